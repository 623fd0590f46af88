"""VUs the machine cannot hold are refused before the run starts, with the numbers: one open file
per VU against RLIMIT_NOFILE (the soft limit raised to the hard one when that is enough), and
an estimate of their memory against what is available. A run split over workers is checked per
part. The open-file limit is real: the command runs in a subprocess with a low RLIMIT_NOFILE."""

import resource

import pytest

from apps.loadtests.engine import capacity, runner
from apps.loadtests.engine.config import ConstantVUs
from apps.loadtests.exceptions import ConfigError
from apps.loadtests.options import config_from_options
from tests.bounded_command import run_manage

URL = "http://127.0.0.1:9"  # never reached: every run here is refused before a request


def runloadtest(*args: str, open_files: tuple[int, int], address_space: int = 1024**3):
    result = run_manage(
        "runloadtest", "--url", URL, "--path", "/", "--no-progress", *args,
        open_files=open_files, address_space=address_space,
    )  # fmt: skip
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    return result.stderr


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["--vus", "100000", "--duration", "1s"], "--vus 100000 needs ~100,"),
        (["--stage", "1s:5", "--stage", "1s:3000"], "a stage target of 3000 VUs needs ~3,"),
        (["--rate", "10", "--duration", "1s", "--max-vus", "5000"], "--max-vus 5000 needs ~5,"),
    ],
)
def test_vus_beyond_the_open_file_limit_exit_2_with_the_numbers(args, what):
    stderr = runloadtest(*args, open_files=(256, 1024))
    assert what in stderr
    assert "open files (one connection per VU); this process may open 1,024 (hard limit 1,024)" in (
        stderr
    )


def test_a_run_split_over_workers_is_checked_per_part():
    stderr = runloadtest("--vus", "3000", "--duration", "1s", "--workers", "2",
                         open_files=(256, 1024))  # fmt: skip
    assert "--vus 3000 over --workers 2 (1500 VUs in each part) needs ~1," in stderr


def test_vus_beyond_the_memory_available_exit_2_with_the_numbers():
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < 13_000:
        pytest.skip(f"the hard open-file limit ({hard}) is below the VUs this test needs")
    files = 13_000 if hard == resource.RLIM_INFINITY else hard
    # 768 MiB of address space, of which Django takes about 120 MiB: 12,000 VUs do not fit.
    stderr = runloadtest("--vus", "12000", "--duration", "1s", open_files=(files, files),
                         address_space=768 * 1024**2)  # fmt: skip
    assert "--vus 12000 needs ~750 MiB of memory (~64 KiB per VU); " in stderr
    assert " MiB is available" in stderr


@pytest.fixture
def low_soft_limit():
    """The soft open-file limit lowered to 256 for the test (the hard limit kept)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    try:
        yield hard
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_the_soft_limit_is_raised_to_what_the_run_needs(low_soft_limit):
    if low_soft_limit != resource.RLIM_INFINITY and low_soft_limit < 2000:
        pytest.skip("the hard open-file limit is too low")
    capacity.check_vus(1500, "--vus 1500")
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert 1500 < soft <= 1500 + capacity.open_files() + capacity.RESERVED_FILES


def test_parts_that_fit_pass_where_the_whole_would_not(low_soft_limit):
    if low_soft_limit == resource.RLIM_INFINITY or low_soft_limit > 1_000_000:
        pytest.skip("no finite hard open-file limit to go past")
    executor = ConstantVUs(vus=4 * (low_soft_limit // 3), duration_s=1)
    with pytest.raises(capacity.CapacityError, match=f"hard limit {low_soft_limit:,}"):
        capacity.check_executor(executor)
    capacity.check_executor(executor, parts=4)


def test_the_engine_refuses_too_many_vus_before_sending_anything(low_soft_limit):
    """What a worker does with its part: the run errors with the reason, nothing is sent."""
    if low_soft_limit == resource.RLIM_INFINITY or low_soft_limit > 1_000_000:
        pytest.skip("no finite hard open-file limit to go past")
    config, _, _ = config_from_options(
        {"url": URL, "path": ["/"], "vus": str(low_soft_limit + 1), "duration": "1s"}
    )
    with pytest.raises(ConfigError, match=f"--vus {low_soft_limit + 1} needs ~"):
        runner.run(config)
