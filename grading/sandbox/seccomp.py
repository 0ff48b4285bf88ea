"""The system-call filter of the sandbox: what the learner's code may not ask the kernel for.

- **New processes.** The speed tests read the sandbox's processor time from outside, and the kernel
  adds a process's time to its parent's only when the parent waits for it: a child whose parent
  ignores ``SIGCHLD`` exits taking its time with it, so a learner could hide a slow loop in children.
  Threads are counted in their process's clock, dead or alive, so they are allowed. ``fork`` and
  ``vfork`` fail with ``EPERM``, and so does ``clone`` unless it makes a thread (``CLONE_THREAD``);
  ``clone3`` fails with ``ENOSYS``: its flags are in memory, out of a filter's reach, and C libraries
  then fall back to ``clone`` (what Docker's default profile does too).
- **Memory outside the limits.** ``memfd_create`` and System V shared memory and message queues
  (``shmget``, ``msgget``) hold memory that neither the address-space limit nor the size of the
  writable tmpfs counts: they fail with ``EPERM``.
- **Leaving its processor.** The grader pins each learner's process to a processor of its own, so
  that a learner's threads compete only with each other, never with another submission's test
  (:mod:`grading.sandbox.learner_process`): ``sched_setaffinity`` fails with ``EPERM``.
- A system call of another ABI (x32, or 32-bit calls on a 64-bit kernel) fails with ``EPERM``, so
  that no other numbering can slip past these checks. Everything else is allowed.

A classic BPF program (``seccomp(2)``, filter mode) that bubblewrap installs just before it starts
the learner's process (``bwrap --seccomp FD``, as Flatpak passes its own filter). Supported: x86_64
and aarch64, the machines graders run on. Elsewhere :func:`for_learners` returns None and the
sandbox is reported unavailable rather than run without it.
"""

from __future__ import annotations

import errno
import platform
import struct

__all__ = ["for_learners"]

# linux/audit.h: the architecture a system call was made for (seccomp_data.arch), and the numbers
# of the calls below in that ABI (asm/unistd_64.h; arm64 uses asm-generic/unistd.h, without fork).
_ARCHITECTURES = {
    "x86_64": (0xC000003E, {"clone": 56, "clone3": 435, "fork": 57, "vfork": 58, "memfd_create": 319, "shmget": 29,
                            "msgget": 68, "sched_setaffinity": 203}),
    "aarch64": (0xC00000B7, {"clone": 220, "clone3": 435, "memfd_create": 279, "shmget": 194, "msgget": 186,
                             "sched_setaffinity": 122}),
}
_DENIED = ("fork", "vfork", "memfd_create", "shmget", "msgget", "sched_setaffinity")
_X32_SYSCALL_BIT = 0x40000000
_CLONE_THREAD = 0x00010000

# linux/filter.h and linux/seccomp.h.
_LOAD_WORD = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JUMP_IF_EQUAL = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JUMP_IF_AT_LEAST = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_JUMP_IF_ANY_BIT = 0x45  # BPF_JMP | BPF_JSET | BPF_K
_RETURN = 0x06  # BPF_RET | BPF_K
_ALLOW = 0x7FFF0000  # SECCOMP_RET_ALLOW
_FAIL_WITH = 0x00050000  # SECCOMP_RET_ERRNO | errno
# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6].
_NR, _ARCH, _FIRST_ARGUMENT_LOW_WORD = 0, 4, 16  # the low word comes first: both machines are little-endian


def _instruction(code: int, if_true: int, if_false: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, if_true, if_false, k)  # struct sock_filter


def for_learners(machine: str | None = None) -> bytes | None:
    """The filter as bubblewrap reads it (an array of ``struct sock_filter``), or None if unsupported.

    Parameters
    ----------
    machine : str, optional
        ``platform.machine()`` of the kernel the filter is for (default: this one).

    Returns
    -------
    bytes or None
    """
    machine = platform.machine() if machine is None else machine
    if machine not in _ARCHITECTURES:
        return None
    arch, numbers = _ARCHITECTURES[machine]
    deny, no_such_call = _FAIL_WITH | errno.EPERM, _FAIL_WITH | errno.ENOSYS
    program = [
        (_LOAD_WORD, 0, 0, _ARCH),
        (_JUMP_IF_EQUAL, 1, 0, arch),
        (_RETURN, 0, 0, deny),
        (_LOAD_WORD, 0, 0, _NR),
        (_JUMP_IF_AT_LEAST, 0, 1, _X32_SYSCALL_BIT),
        (_RETURN, 0, 0, deny),
    ]
    for name in _DENIED:
        if name in numbers:
            program += [(_JUMP_IF_EQUAL, 0, 1, numbers[name]), (_RETURN, 0, 0, deny)]
    program += [
        (_JUMP_IF_EQUAL, 0, 1, numbers["clone3"]),
        (_RETURN, 0, 0, no_such_call),
        (_JUMP_IF_EQUAL, 0, 3, numbers["clone"]),  # not clone: on to "allow"
        (_LOAD_WORD, 0, 0, _FIRST_ARGUMENT_LOW_WORD),  # clone's flags
        (_JUMP_IF_ANY_BIT, 1, 0, _CLONE_THREAD),
        (_RETURN, 0, 0, deny),
        (_RETURN, 0, 0, _ALLOW),
    ]
    return b"".join(_instruction(*step) for step in program)
