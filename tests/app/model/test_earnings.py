import pytest

from app.model.earnings import Earnings, format_sats


def earnings(
    energy: float | None = 10.0,
    sats: float | None = 3000.0,
    tariff: float = 0.30,
    btc: float = 60_000.0,
) -> Earnings:
    return Earnings(energy, sats, tariff, btc, "€")


def test_cost_value_and_offset() -> None:
    e = earnings()
    assert e.cost == pytest.approx(3.0)
    assert e.value == pytest.approx(1.8)
    assert e.offset == pytest.approx(0.6)
    assert e.summary() == "This heat cost you 60% less than a plain electric heater."


def test_small_offsets_keep_a_decimal() -> None:
    assert "0.5% less" in earnings(sats=25.0).summary()


def test_no_earnings_are_said_in_words() -> None:
    assert earnings(sats=0.0).summary().startswith("No earnings to speak of yet today")
    assert earnings(sats=0.04).summary().startswith("No earnings to speak of yet today")


def test_heat_that_paid_for_itself() -> None:
    summary = earnings(sats=10_000.0).summary()
    assert summary.startswith("This heat paid for itself") and "2.0×" in summary


def test_missing_prices_ask_for_them() -> None:
    assert "Settings" in earnings(tariff=0).summary()
    assert "Settings" in earnings(btc=0).summary()
    assert earnings(tariff=0).cost is None and earnings(btc=0).value is None


def test_missing_figures_and_no_heat_yet() -> None:
    assert "Waiting" in earnings(energy=None).summary()
    assert earnings(energy=0.0).summary() == "No heat used yet today."


def test_money_and_sats_formatting() -> None:
    e = earnings()
    assert e.money(1234.5) == "€1,234.50" and e.money(0.0123) == "€0.0123" and e.money(None) == "—"
    assert format_sats(12345.6) == "12,346 sats" and format_sats(1.234) == "1.23 sats"
    assert format_sats(None) == "—"
