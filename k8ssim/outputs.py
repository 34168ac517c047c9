"""Output directory checks, done before anything is simulated (validation.md §7e row 51)."""
from __future__ import annotations

import os

from k8ssim.api.errors import Diagnostic, InputError


def check_output_dir(path: str) -> str:
    """Refuse output directories that are the filesystem root, system folders, symlinks, or not
    writable; returns the absolute path. Nothing is created here."""
    ap = os.path.abspath(path)
    problems = []
    if ap == os.path.abspath(os.sep) or ap in ("/etc", "/usr", "/bin", "/sbin", "/lib", "/proc", "/sys", "/dev", "/boot"):
        problems.append(f"refusing to write into {ap}")
    cur = ap
    while cur != os.path.dirname(cur):
        if os.path.islink(cur):
            problems.append(f"output path {path} goes through a symbolic link ({cur}); give a real directory")
            break
        cur = os.path.dirname(cur)
    if os.path.exists(ap) and not os.path.isdir(ap):
        problems.append(f"output path {path} exists and is not a directory")
    elif os.path.isdir(ap) and os.listdir(ap) and not os.path.exists(os.path.join(ap, "run.json")):
        problems.append(f"output directory {path} is not empty and holds no earlier run (run.json); refusing to "
                        "replace it")
    parent = ap
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.access(parent, os.W_OK):
        problems.append(f"output directory {path} is not writable")
    if problems:
        raise InputError([Diagnostic("<command line>", 0, 0, "--output", p) for p in problems])
    return ap
