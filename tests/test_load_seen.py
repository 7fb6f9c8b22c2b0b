"""The keys a load has seen (alliancekb.load.seen): exact past their memory cache, and a
failure of their temporary file is a clean error."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap

import pytest

from alliancekb.load.seen import SeenKeys


def _keys(rnd: random.Random, n: int) -> list[str]:
    return [f"st-{rnd.getrandbits(80):020x}" for _ in range(n)]


def test_keys_spilled_past_the_cache_are_all_found_where_first_used() -> None:
    rnd = random.Random(7)
    added = _keys(rnd, 30_000)
    seen = SeenKeys(cache_kib=64)  # 30k keys need ~1.5 MB: most pages spill to the file
    first_use: dict[str, tuple[str, int]] = {}
    try:
        for start in range(0, len(added), 2_000):
            uses = [
                (k, f"f{start % 3}.yaml", start + i)
                for i, k in enumerate(added[start : start + 2_000])
            ]
            first_use.update((k, (file, line)) for k, file, line in uses)
            seen.add("statements", uses)
        seen.add("derived", [(added[0], "other.yaml", 1)])  # same text, another kind
        probe = rnd.sample(added, 1_500) + _keys(rnd, 500)
        assert seen.find("statements", probe) == {k: first_use[k] for k in probe if k in first_use}
        assert seen.find("derived", added[:3]) == {added[0]: ("other.yaml", 1)}
        assert seen.find("memberships", added[:3]) == {}
    finally:
        seen.close()


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_full_temporary_directory_is_a_clean_error_naming_tmpdir() -> None:
    # A file-size limit stands in for a full disk: the spilled pages cannot be written.
    code = textwrap.dedent(
        """
        import resource, sys
        from alliancekb.core.errors import RuntimeFailure
        from alliancekb.load.seen import SeenKeys
        resource.setrlimit(resource.RLIMIT_FSIZE, (32 * 1024, 32 * 1024))
        seen = SeenKeys(cache_kib=16)
        try:
            for n in range(50):
                keys = ((f"key-{n}-{i:06d}-padding", "a.yaml", i) for i in range(2000))
                seen.add("statements", keys)
        except RuntimeFailure as exc:
            print(exc)
            sys.exit(3)
        sys.exit(0)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, (done.stdout, done.stderr)
    assert "temporary directory" in done.stdout
    assert "TMPDIR" in done.stdout
    assert "Traceback" not in done.stderr
