# The two commands a newcomer needs:
#   make run    open the assignment in JupyterLab (extra options: JUPYTER_ARGS="--no-browser --port=8899")
#   make test   run every test, including the notebook under nbval (strict output comparison);
#               it also makes .venv-nbgrader and .venv-otter, where tests/test_nbgrader.py and
#               tests/test_otter.py find nbgrader and Otter-Grader
# Both create .venv from requirements.txt first if it is missing or out of date.
# For instructors (docs/grading.md):
#   make release                         write the learner's copy into release/
#   make grade SUBMISSIONS="subs/"       grade notebooks (or folders of them) into grades/
# Benchmarks: make bench (all), make bench-compress (compress.py against pngquant, installed if missing),
#   make bench-batch (100 photos in one call, compress.py -j 2 against one pngquant call),
#   make bench-small (icons and small photos, one by one and 48 in one call, against pngquant;
#                     BENCH_ARGS=--theme: PSNR and bytes on every icon of the Adwaita theme),
#   make bench-levels (the small images' bytes and encoding time at each libdeflate level),
#   make bench-bytes (compress.py's PNG bytes against pngquant's, one encoder step at a time),
#   make bench-steps (where compress.py's time goes on the 12-megapixel photo, step by step),
#   make bench-threads (what splitting the 12-megapixel photo's deflate between two threads would cost),
#   make bench-grading (a class of 200 graded with the sandbox and without; bubblewrap installed if missing),
#   make bench-grading-startup (one submission graded as a whole process, beside python -c "import numpy")

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
NOTEBOOK := image_compression.ipynb
JUPYTER_ARGS ?=
SUBMISSIONS ?=
GRADE_ARGS ?=
BENCH_ARGS ?=

# The notebook's stored outputs are compared digit for digit: run it with one BLAS/OpenMP thread and
# a fixed hash seed, both when it is executed for committing (make notebook) and when it is checked.
NOTEBOOK_ENV := PYTHONHASHSEED=0 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
NBVAL_OPTS := --nbval --nbval-current-env

.PHONY: run test test-fast notebook html bench bench-compress bench-batch bench-small bench-levels bench-bytes bench-steps bench-threads bench-grading bench-grading-startup pngquant adwaita-icons bubblewrap release grade clean

$(BIN)/activate: 
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

# JupyterLab refuses to start as root (as in many containers) unless told it may.
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root)

run: $(VENV)/.installed
	$(BIN)/jupyter lab $(NOTEBOOK) $(ROOT_ARGS) $(JUPYTER_ARGS)

# nbgrader in an environment of its own (it pins Jupyter packages of its own), for tests/test_nbgrader.py.
NBGRADER_VENV := .venv-nbgrader

$(NBGRADER_VENV)/.installed: tests/tools/nbgrader.txt
	$(PYTHON) -m venv $(NBGRADER_VENV)
	$(NBGRADER_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(NBGRADER_VENV)/bin/python -m pip install --quiet -r tests/tools/nbgrader.txt
	@touch $@

# Otter-Grader likewise, for tests/test_otter.py, with the notebook's packages: otter run executes
# the notebook in Otter's own environment.
OTTER_VENV := .venv-otter

$(OTTER_VENV)/.installed: tests/tools/otter.txt requirements.txt
	$(PYTHON) -m venv $(OTTER_VENV)
	$(OTTER_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(OTTER_VENV)/bin/python -m pip install --quiet -r tests/tools/otter.txt -r requirements.txt
	@touch $@

test: $(VENV)/.installed $(NBGRADER_VENV)/.installed $(OTTER_VENV)/.installed
	@# Build matplotlib's font cache now, so its one-off message cannot land in a cell's output.
	@$(BIN)/python -c "import matplotlib.pyplot"
	$(NOTEBOOK_ENV) $(BIN)/python -m pytest tests $(NOTEBOOK) $(NBVAL_OPTS)

# Everything but the notebook: seconds instead of a minute, for a quick edit-test loop.
test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest tests

# Re-execute the notebook top to bottom and store its outputs, as committed.
notebook: $(VENV)/.installed
	$(NOTEBOOK_ENV) $(BIN)/jupyter nbconvert --to notebook --execute --inplace $(NOTEBOOK)

# Render the notebook as a learner reads it (build/image_compression.html).
html: $(VENV)/.installed
	$(BIN)/jupyter nbconvert --to html --output-dir build $(NOTEBOOK)

# The learner's copy: solutions replaced by placeholders, outputs cleared, the files it needs.
release: $(VENV)/.installed
	$(BIN)/python -m grading release --out release --force

# Grade submissions against the hidden tests: grades/gradebook.csv and grades/feedback/.
# Extra options from GRADE_ARGS, e.g. GRADE_ARGS="--jobs 4 --timeout 90".
grade: $(VENV)/.installed
	@test -n "$(SUBMISSIONS)" || { echo 'make grade: say what to grade: make grade SUBMISSIONS="path/to/notebooks/"' >&2; exit 2; }
	$(BIN)/python -m grading grade $(SUBMISSIONS) --out grades $(GRADE_ARGS)

bench: $(VENV)/.installed bench-compress bench-batch bench-small bench-levels bench-bytes bench-steps bench-threads bench-grading bench-grading-startup
	$(BIN)/python bench/kmeans_vs_sklearn.py
	$(BIN)/python bench/notebook_runtime.py

# The grader with its sandbox against process isolation only (a few minutes).
bench-grading: $(VENV)/.installed bubblewrap
	$(BIN)/python bench/grading_throughput.py $(BENCH_ARGS)

bench-grading-startup: $(VENV)/.installed bubblewrap
	$(BIN)/python bench/grading_startup.py $(BENCH_ARGS)

# compress.py against pngquant and Pillow (a few minutes); options from BENCH_ARGS, e.g. "--quick".
bench-compress: $(VENV)/.installed pngquant
	$(BIN)/python bench/compress_vs_peers.py $(BENCH_ARGS)

# compress.py's PNG bytes against pngquant's at the same K, one encoder step at a time (a few minutes).
bench-bytes: $(VENV)/.installed pngquant
	$(BIN)/python bench/png_bytes_steps.py --big

# Where compress.py's time goes on the 12-megapixel photo, step by step (a minute).
bench-steps: $(VENV)/.installed
	$(BIN)/python bench/compress_steps.py $(BENCH_ARGS)

# The 12-megapixel photo's deflate split between two threads, each way a PNG allows (a minute).
bench-threads: $(VENV)/.installed pngquant
	$(BIN)/python bench/deflate_threads.py $(BENCH_ARGS)

# 100 photos of 1-3 megapixels in one call: compress.py -j 2 against one pngquant call (about 15 minutes).
bench-batch: $(VENV)/.installed pngquant
	$(BIN)/python bench/compress_batch_vs_pngquant.py $(BENCH_ARGS)

# Icons (GNOME's Adwaita theme, a system package) and small photos against pngquant (a few minutes).
bench-small: $(VENV)/.installed pngquant adwaita-icons
	$(BIN)/python bench/compress_small_vs_pngquant.py $(BENCH_ARGS)

# The small images' bytes and encoding time at libdeflate levels 9 to 12 (half a minute).
bench-levels: $(VENV)/.installed pngquant adwaita-icons
	$(BIN)/python bench/deflate_levels_small.py $(BENCH_ARGS)

adwaita-icons:
	@test -d /usr/share/icons/Adwaita/512x512 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y adwaita-icon-theme; }

# pngquant, the benchmark's peer, is a system package: installed with apt-get (Debian, Ubuntu) if missing.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
pngquant:
	@command -v pngquant >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y pngquant; }

# bubblewrap, the grader's sandbox, likewise (Fedora: dnf install bubblewrap).
bubblewrap:
	@command -v bwrap >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y bubblewrap; }

clean:
	rm -rf $(VENV) $(NBGRADER_VENV) $(OTTER_VENV) build .pytest_cache
