"""One benchmark task with compliance-trestle, timed inside the process as well.

usage: trestle_task.py load CATALOG
       trestle_task.py resolve TRESTLE_ROOT PROFILE OUT
Prints `inner_seconds=N` (the work itself, without interpreter start-up and imports).
"""
import pathlib
import sys
import time

t0 = time.perf_counter()
task = sys.argv[1]
if task == "load":
    from trestle.oscal.catalog import Catalog

    t1 = time.perf_counter()
    cat = Catalog.oscal_read(pathlib.Path(sys.argv[2]))
    n = sum(len(g.controls or []) for g in (cat.groups or []))
    done = time.perf_counter()
    print(f"trestle: loaded {n} base controls", file=sys.stderr)
elif task == "resolve":
    from trestle.core.profile_resolver import ProfileResolver

    t1 = time.perf_counter()
    import os

    root = pathlib.Path(sys.argv[2]).resolve()
    profile = pathlib.Path(sys.argv[3]).resolve()
    out = pathlib.Path(sys.argv[4]).resolve()
    # Trestle resolves relative import links against the working directory, not the
    # profile's folder: run from the profile's folder so NIST's links resolve as written.
    os.chdir(profile.parent)
    cat = ProfileResolver.get_resolved_profile_catalog(root, str(profile))
    cat.oscal_write(out)
    done = time.perf_counter()
    n = sum(len(g.controls or []) for g in (cat.groups or []))
    print(f"trestle: resolved {n} base controls", file=sys.stderr)
else:
    sys.exit(f"unknown task {task}")
print(f"inner_seconds={done - t1:.3f}")
