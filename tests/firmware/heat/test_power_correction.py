import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.heat.power_correction import PowerCorrection
from firmware.work import OperatingPoint

POINT = OperatingPoint(525.0, 1150, 1)


def settle(corr: PowerCorrection, point: OperatingPoint, model_w, measured_w, ticks: int):
    t = 0.0
    corr.observe(t, point, model_w, measured_w)  # the point is new: not a sample
    for _ in range(ticks):
        t += 1.0
        corr.observe(t, point, model_w, measured_w)
    return t


def test_no_sample_until_the_point_has_settled():
    corr = PowerCorrection(settle_s=5.0)
    settle(corr, POINT, 18.0, 19.8, ticks=4)
    assert corr.samples == 0 and corr.ratio == 1.0
    corr.observe(5.0, POINT, 18.0, 19.8)
    assert corr.samples == 1
    assert corr.ratio == pytest.approx(1.1)


def test_converges_to_the_measured_ratio_and_corrects_the_ask():
    corr = PowerCorrection(settle_s=0.0, alpha=0.2)
    settle(corr, POINT, 18.0, 18.0 * 0.93, ticks=60)
    assert corr.ratio == pytest.approx(0.93, rel=1e-6)
    # asking the model for this many watts makes the meter read what was asked
    assert corr.expected_w(corr.model_w_for(15.0)) == pytest.approx(15.0)


def test_idle_duty_cycled_or_missing_readings_are_not_samples():
    corr = PowerCorrection(settle_s=0.0)
    settle(corr, OperatingPoint(0.0, 0, 0), 0.5, 0.7, ticks=5)
    settle(corr, OperatingPoint(400.0, 1000, 1, duty=0.5), 10.0, 4.0, ticks=5)
    settle(corr, POINT, 18.0, None, ticks=5)  # type: ignore[arg-type]
    assert corr.samples == 0 and corr.ratio == 1.0


def test_impossible_readings_are_counted_and_ignored():
    corr = PowerCorrection(settle_s=0.0)
    settle(corr, POINT, 18.0, 18.5, ticks=3)
    before = corr.ratio
    settle(corr, POINT, 18.0, 900.0, ticks=3)
    settle(corr, POINT, 18.0, float("nan"), ticks=3)
    assert corr.ratio == before
    assert corr.rejected == 8  # the point did not change: every tick was a sample


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="alpha"):
        PowerCorrection(alpha=0.0)
    with pytest.raises(ValueError, match="settle_s"):
        PowerCorrection(settle_s=-1.0)


@given(st.floats(0.6, 1.6), st.floats(5.0, 500.0))
def test_ratio_stays_within_the_samples_seen(true_ratio, model_w):
    corr = PowerCorrection(settle_s=0.0)
    settle(corr, POINT, model_w, model_w * true_ratio, ticks=20)
    assert corr.ratio == pytest.approx(true_ratio, rel=1e-9)
