"""The `socialclub:kms` and `socialclub:secrets` sections: the windows AWS allows, named by key when refused."""

from __future__ import annotations

import pytest

from stackconfig import load_stack_config
from tests.support.config import errors_for, set_path, stack_settings


@pytest.mark.parametrize(
    ("path", "days"),
    [("kms.deletionWindowDays", 6), ("kms.deletionWindowDays", 31), ("secrets.recoveryWindowDays", 0),
     ("secrets.recoveryWindowDays", 6), ("secrets.recoveryWindowDays", 31)],
)  # fmt: skip
def test_windows_outside_what_aws_allows_are_refused(path: str, days: int) -> None:
    # KMS ScheduleKeyDeletion and Secrets Manager DeleteSecret: a waiting period of 7 to 30 days (0 would delete a
    # secret at once, with no way back).
    [line] = errors_for(set_path(path, days))
    assert line.startswith(f"socialclub:{path} = {days}: Input should be")


@pytest.mark.parametrize("path", ["kms.deletionWindowDays", "secrets.recoveryWindowDays"])
@pytest.mark.parametrize("days", [7, 30])
def test_the_windows_aws_allows_are_accepted(path: str, days: int) -> None:
    settings, region = stack_settings("production")
    set_path(path, days)(settings)
    config = load_stack_config(settings, region)
    section, key = path.split(".")
    assert getattr(config, section).model_dump(by_alias=True)[key] == days
