"""The costliest groups of work start first; a group's items stay together."""

import pytest

from shipshape.schedule import costliest_groups_first

pytest_plugins = ["pytester"]


def test_groups_are_ordered_by_summed_cost_and_stay_together(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.xdist_group("light")
        def test_light_a(): pass

        @pytest.mark.xdist_group("heavy")
        def test_heavy_a(): pass

        def test_alone(): pass

        @pytest.mark.xdist_group("light")
        def test_light_b(): pass

        @pytest.mark.xdist_group("heavy")
        def test_heavy_b(): pass
        """
    )
    items, _ = pytester.inline_genitems("-p", "no:shipshape")
    costs = {"test_heavy_a": 5.0, "test_heavy_b": 5.0, "test_alone": 3.0}
    ordered = costliest_groups_first(items, lambda item: costs.get(item.name, 1.0))
    assert [item.name for item in ordered] == [
        "test_heavy_a",
        "test_heavy_b",
        "test_alone",
        "test_light_a",
        "test_light_b",
    ]
