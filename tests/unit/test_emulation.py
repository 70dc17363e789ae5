"""On an emulated platform the HEALTHCHECK's own timings scale like every budget."""

from __future__ import annotations

from shipshape.run import RunOptions
from shipshape.subject import scaled_healthcheck

SECOND = 10**9


def test_the_image_timeout_and_start_period_are_scaled() -> None:
    image = {"Test": ["CMD", "python", "-c", "..."], "Timeout": 3 * SECOND, "StartPeriod": SECOND}
    assert scaled_healthcheck(image, 10) == {"timeout": 30 * SECOND, "start_period": 10 * SECOND}


def test_dockers_default_timeout_is_scaled_when_the_image_states_none() -> None:
    assert scaled_healthcheck({"Test": ["CMD", "true"]}, 10) == {"timeout": 300 * SECOND}


def test_the_override_keeps_the_images_command() -> None:
    options = RunOptions(healthcheck_timing={"timeout": 30 * SECOND})
    # No `test` key: the engine inherits the image's command and the rest.
    assert options.as_kwargs()["healthcheck"] == {"timeout": 30 * SECOND}
    assert RunOptions(no_healthcheck=True).as_kwargs()["healthcheck"] == {"test": ["NONE"]}
    assert "healthcheck" not in RunOptions().as_kwargs()
