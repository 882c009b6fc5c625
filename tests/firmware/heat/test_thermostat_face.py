"""docs/heat.md, "The thermostat": `Thermostat(min_w, max_w, **options).update(...)`
returns 0.0 or a value in [min_w, max_w] (and within the cap the HeatController sets),
whatever the options, the readings, the targets and the spacing of the calls, clock jumps
back included."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware.heat import Thermostat

options = st.fixed_dictionaries(
    {},
    optional={
        "filter_s": st.floats(0.0, 600.0),
        "deadband_c": st.floats(0.0, 1.0),
        "min_on_s": st.floats(0.0, 2000.0),
        "min_off_s": st.floats(0.0, 2000.0),
        "autotune": st.booleans(),
        "settle_s": st.floats(0.0, 600.0),
        "settle_band_c": st.floats(0.0, 5.0),
        "setpoint_rise_c_h": st.floats(0.0, 10.0),
        "stop_margin_c": st.floats(0.0, 3.0),
        "relay_fraction": st.floats(0.01, 0.5),
        "max_gap_s": st.floats(0.0, 900.0),
    },
)
steps = st.lists(
    st.tuples(
        st.floats(-60.0, 3600.0),  # time step; negative: the clock went back
        st.floats(-20.0, 45.0),  # reading
        st.floats(5.0, 30.0),  # target
        st.one_of(st.none(), st.floats(0.0, 1.0)),  # cap, as a fraction of [min_w, max_w]
    ),
    min_size=1,
    max_size=150,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.floats(0.0, 300.0), st.floats(0.0, 600.0), options, steps)
def test_output_is_zero_or_within_band_and_cap_for_any_options(
    min_w: float,
    span_w: float,
    opts: dict[str, object],
    sequence: list[tuple[float, float, float, float | None]],
) -> None:
    max_w = max(min_w + span_w, 1.0)
    thermostat = Thermostat(min_w, max_w, **opts)  # type: ignore[arg-type]
    now = 0.0
    for dt, reading, target, cap in sequence:
        now += dt
        if cap is not None:  # as HeatController does: never a cap below min_w
            thermostat.limit_w = min_w + cap * (max_w - min_w)
        watts = thermostat.update(now, reading, target)
        assert watts == 0.0 or min_w <= watts <= min(max_w, thermostat.limit_w) + 1e-9
        assert not 0.0 < watts < min_w
