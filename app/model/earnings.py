"""What the heat cost and what the mining earned, in the owner's money and plain words.

Any electric heater turns every kWh into the same heat, so the fair comparison is the
electricity bill for the heat against the value of the satoshis earned making it:
offset = earnings value / electricity cost.
"""

from __future__ import annotations

from dataclasses import dataclass

SATS_PER_BTC = 100_000_000
# Below 0.1 % the percentage would read "0.0% less": say it in words instead.
NEGLIGIBLE_OFFSET = 0.001


@dataclass(frozen=True)
class Earnings:
    energy_kwh: float | None
    sats: float | None
    tariff_per_kwh: float
    btc_price: float
    currency: str

    @property
    def cost(self) -> float | None:
        if self.energy_kwh is None or self.tariff_per_kwh <= 0:
            return None
        return self.energy_kwh * self.tariff_per_kwh

    @property
    def value(self) -> float | None:
        if self.sats is None or self.btc_price <= 0:
            return None
        return self.sats / SATS_PER_BTC * self.btc_price

    @property
    def offset(self) -> float | None:
        """Fraction of the electricity cost the earnings paid back (1.0 = all of it)."""
        cost, value = self.cost, self.value
        if cost is None or value is None or cost <= 0:
            return None
        return value / cost

    def money(self, amount: float | None) -> str:
        if amount is None:
            return "—"
        return f"{self.currency}{amount:,.2f}" if amount >= 0.1 else f"{self.currency}{amount:.4f}"

    def summary(self) -> str:
        """The headline sentence of the earnings screen."""
        if self.tariff_per_kwh <= 0 or self.btc_price <= 0:
            return (
                "Enter your electricity price and a BTC price in Settings "
                "to see what your heat really cost."
            )
        if self.energy_kwh is None or self.sats is None:
            return "Waiting for the heater's energy and earnings figures."
        offset = self.offset
        if offset is None:
            return "No heat used yet today."
        if offset < NEGLIGIBLE_OFFSET:
            return (
                "No earnings to speak of yet today: so far this heat cost what a plain "
                "electric heater's would."
            )
        if offset >= 1.0:
            return (
                f"This heat paid for itself: mining earned {self.money(self.value)}, "
                f"{offset:.1f}× its {self.money(self.cost)} electricity."
            )
        percent = offset * 100
        shown = f"{percent:.0f}%" if percent >= 1 else f"{percent:.1f}%"
        return f"This heat cost you {shown} less than a plain electric heater."


def format_sats(sats: float | None) -> str:
    if sats is None:
        return "—"
    if sats >= 100:
        return f"{sats:,.0f} sats"
    return f"{sats:.2f} sats"
