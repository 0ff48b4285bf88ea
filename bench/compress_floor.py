"""The floor under compress.py: every step of a run but the clustering, as a whole process.

    python bench/compress_floor.py INPUT PALETTE.png OUTPUT.png

It reads INPUT as ``compress.py`` does, counts its distinct colours, gives each colour its
nearest entry of a palette already chosen (that of PALETTE.png, a file ``compress.py`` wrote for
INPUT), spreads the indices to the pixels, encodes the PNG as ``compress.py`` does and writes it.
So the time of this process is what ``compress.py`` would take if finding the palette cost
nothing: start-up and imports, decoding, counting, mapping, encoding, writing. (Its mapping is
the plain nearest-entry search; compress.py's last assignment at small K takes settled bins
whole, a few hundredths of a second quicker at 12 MP, against the floor.)
``bench/compress_vs_peers.py`` runs it beside ``compress.py`` and reports the ratio. The file it
writes has the same error at every pixel as PALETTE.png (the same palette, each colour at its
nearest entry; a colour exactly as near to two entries may take the other one).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")  # as compress.py runs
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import compress  # noqa: E402,F401  (the command's start-up: its imports are paid here as compress.py pays them)
from quantize.atomic_files import write_atomically  # noqa: E402
from quantize.colour_counts import colour_histogram  # noqa: E402
from quantize.image_io import decode_image  # noqa: E402
from quantize.png_encoder import encode_indexed_png  # noqa: E402
from quantize.threads import one_blas_thread  # noqa: E402
from quantize.weighted_kmeans import nearest_centre  # noqa: E402


def main() -> None:
    source, palette_png, output = sys.argv[1:]
    one_blas_thread()
    with Image.open(palette_png) as written:
        palette = np.array(written.getpalette(), dtype=np.uint8).reshape(-1, 3)
    pixels = decode_image(source).pixels
    if pixels.shape[2] != 3:
        sys.exit("error: the floor is measured on opaque RGB images only")
    histogram = colour_histogram(pixels)
    labels, _ = nearest_centre(histogram.colours.astype(np.float32), palette)
    indices = histogram.per_pixel(labels.astype(np.uint8))
    png = encode_indexed_png(indices, palette)
    write_atomically(output, lambda file: file.write(png), overwrite=True)


if __name__ == "__main__":
    main()
