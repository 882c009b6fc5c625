"""The room thermostat: a PID controller for a slow, noisy, delayed plant.

Signal path, each `update()`:

1. The reading goes through a first-order filter (`filter_s`). Sensor noise of ±0.1 °C
   and 0.1 °C quantisation become a few hundredths of a kelvin; a room is far slower
   than the filter, so the lag it adds costs little.
2. error = target − filtered temperature, shrunk by a deadband (`deadband_c`): inside
   it the integral holds and the output stays put, so the heater never chases the last
   digit of a sensor. A raised target is approached along a ramp (`setpoint_rise_c_h`)
   so a setpoint step does not overshoot; a lowered one applies at once.
3. PID in parallel form. P and I act on the error; D acts on the filtered measurement
   only (no derivative kick on a setpoint step), through its own filter (Td / N).
   Anti-windup: the integral stops while the output is saturated in the direction the
   error pushes, and is clamped to [0, cap] (`limit_w`, at most max_w). On the way down
   to a lowered target, held at `min_w` (step 4), the output is saturated at the
   heater's floor too: while the room is heading there (within `COAST_GRACE_S` of the
   hold, or falling fast enough to arrive within two integral times) the integral
   holds, so the room coasts down at `min_w` instead of the load estimate winding
   below it and the heater stopping on the way (a stop lasts `min_off_s` and dips past
   the target). A room that does not fall at `min_w` needs less: the integral winds
   down, and the heater duty-cycles.
4. The continuous demand in [0, max_w] goes through `DutyCycler`: at or above `min_w`
   it passes; below it the heater runs at `min_w` or stops, with minimum on/off times.
   A brief dip below `min_w` while the integral (the room's load) is above it holds
   `min_w` instead: stopping only pays when the load itself is below the minimum or
   the room is more than `stop_margin_c` too warm. A minimum off time is cut short when
   the room heads `restart_margin_c` below the setpoint (looked `filter_s` ahead).

Tuning needs no human. With `autotune` on and no stored tuning, the thermostat holds
the room on safe default gains until it has stayed within `settle_band_c` of the
target for `settle_s`, then runs a relay test around that point (`RelayTest`) and
switches to the gains it measured. It keeps adapting: a `HuntingMonitor` watches the
error, and a loop seen hunting is detuned (less gain, slower integral); after
`max_detunes` it forgets and runs a fresh relay test (the room changed). `snapshot()`
gives a dict to persist and `restore()` takes it back, so a reboot does not re-test.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from firmware.heat.duty_cycle import DutyCycler
from firmware.heat.hunting import HuntingMonitor
from firmware.heat.relay import RelayTest
from firmware.heat.tuning import Tuning

SNAPSHOT_VERSION = 1
RELAY_MAX_GAP_S = 120.0  # a longer gap between updates breaks a relay test
# After a hold at min_w starts, the filtered slope needs the measurement filter and the
# derivative filter (a few minutes each) to show the room turning: the integral holds
# this long before the slope decides.
COAST_GRACE_S = 600.0


def _alpha(dt_s: float, tau_s: float) -> float:
    """Step weight of a first-order filter with time constant tau over dt."""
    return 1.0 if tau_s <= 0 else 1.0 - math.exp(-dt_s / tau_s)


class Thermostat:
    def __init__(
        self,
        min_w: float,
        max_w: float,
        *,
        filter_s: float = 120.0,
        deadband_c: float = 0.05,
        derivative_filter_n: float = 1.0,
        min_on_s: float = 900.0,
        min_off_s: float = 900.0,
        autotune: bool = True,
        tuning: Mapping[str, object] | None = None,
        settle_band_c: float = 0.3,
        settle_s: float = 1800.0,
        relay_fraction: float = 0.3,
        relay_hysteresis_c: float = 0.05,
        relay_timeout_s: float = 8 * 3600.0,
        retry_s: float = 6 * 3600.0,
        hunting_band_c: float = 0.15,
        detune_factor: float = 0.75,
        max_detunes: int = 4,
        max_gap_s: float = 300.0,
        setpoint_rise_c_h: float = 2.0,
        stop_margin_c: float = 1.0,
        restart_margin_c: float = 0.2,
    ) -> None:
        if not (math.isfinite(min_w) and math.isfinite(max_w)) or not 0 <= min_w <= max_w:
            raise ValueError(f"need 0 <= min_w <= max_w, got min_w={min_w!r}, max_w={max_w!r}")
        if max_w <= 0:
            raise ValueError(f"max_w must be > 0, got {max_w!r}")
        for name, value in (
            ("filter_s", filter_s),
            ("deadband_c", deadband_c),
            ("settle_band_c", settle_band_c),
            ("settle_s", settle_s),
            ("relay_hysteresis_c", relay_hysteresis_c),
            ("max_gap_s", max_gap_s),
            ("setpoint_rise_c_h", setpoint_rise_c_h),
            ("stop_margin_c", stop_margin_c),
            ("restart_margin_c", restart_margin_c),
            ("derivative_filter_n", derivative_filter_n),
            ("min_on_s", min_on_s),
            ("min_off_s", min_off_s),
            ("relay_timeout_s", relay_timeout_s),
            ("retry_s", retry_s),
            ("hunting_band_c", hunting_band_c),
        ):
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} = {value!r}; allowed: a finite number >= 0")
        if not 0 < relay_fraction <= 0.5:
            raise ValueError(f"relay_fraction = {relay_fraction!r}; allowed: (0, 0.5]")
        if isinstance(max_detunes, bool) or not isinstance(max_detunes, int) or max_detunes < 0:
            raise ValueError(f"max_detunes = {max_detunes!r}; allowed: an integer >= 0")
        if not 0 < detune_factor < 1:
            raise ValueError(f"detune_factor = {detune_factor!r}; allowed: (0, 1)")
        self.min_w = float(min_w)
        self.max_w = float(max_w)
        self.filter_s = filter_s
        self.deadband_c = deadband_c
        self.derivative_filter_n = derivative_filter_n
        self.autotune = autotune
        self.settle_band_c = settle_band_c
        self.settle_s = settle_s
        self.relay_fraction = relay_fraction
        self.relay_hysteresis_c = relay_hysteresis_c
        self.relay_timeout_s = relay_timeout_s
        self.retry_s = retry_s
        self.detune_factor = detune_factor
        self.max_detunes = max_detunes
        self.max_gap_s = max_gap_s
        self.setpoint_rise_c_s = setpoint_rise_c_h / 3600.0
        self.stop_margin_c = stop_margin_c
        self.restart_margin_c = restart_margin_c

        self.tuning = Tuning.default_for(self.max_w)
        self.relay: RelayTest | None = None
        self.last_relay_failure: str | None = None
        self.detunes = 0
        self._duty = DutyCycler(self.min_w, min_on_s, min_off_s)
        self._hunting = HuntingMonitor(hunting_band_c, max_half_period_s=3 * 3600.0)
        self._integral_w = 0.0
        self._integral_preset = False
        self._filtered_c: float | None = None
        self._slope_c_s = 0.0
        self._last_s: float | None = None
        self._reference_c: float | None = None
        self._lowered = False  # heading down to a lowered target, not there yet
        self._held_since: float | None = None  # held at min_w on the way down since
        self._relay_target_c = math.nan
        self._settled_since: float | None = None
        self._next_relay_s = 0.0
        self.demand_w = 0.0
        self.output_w = 0.0
        # A power cap below max_w (owner's limit, quiet hours, demand response); set by
        # the HeatController. The PID saturates against it, so it does not wind up.
        self.limit_w = self.max_w
        # False while the target is lowered to spend stored heat (a tariff's dear hours):
        # then the room should coast with the heater stopped, not held at min_w.
        self.hold_floor_when_lowered = True
        if tuning is not None:
            self.restore(tuning)

    # --- the stable face (docs/heat.md, "The thermostat") ---------------------------
    def update(self, now_s: float, room_c: float, target_c: float) -> float:
        if not (math.isfinite(now_s) and math.isfinite(room_c) and math.isfinite(target_c)):
            raise ValueError(f"update needs finite values: {now_s=}, {room_c=}, {target_c=}")
        gap = 0.0 if self._last_s is None else max(0.0, now_s - self._last_s)
        dt = min(self.max_gap_s, gap)
        self._last_s = now_s
        self._filter(dt, room_c)
        assert self._filtered_c is not None
        error = self._reference(dt, target_c) - self._filtered_c
        relay = self.relay
        if relay is not None and (
            abs(target_c - self._relay_target_c) > 0.05  # the owner moved the target
            or gap > RELAY_MAX_GAP_S  # heating was paused (window, shed) or we were away
            or relay.bias_w + relay.amplitude_w > self._ceiling + 1e-9  # a cap cut the swing
        ):
            # the test's limit cycle is gone: drop it, and test again once settled
            self.relay = None
            self._settled_since = None
        if self.relay is not None:
            demand = self._relay_step(now_s, error)
        else:
            demand = self._pid(dt, error)
            self._maybe_start_relay(now_s, error, demand)
            self._relay_target_c = target_c
        demand = min(demand, self._ceiling)
        self.demand_w = demand
        if demand < self.min_w and self._integral_w >= self.min_w and error > -self.stop_margin_c:
            # A dip of the fast P and D terms, while the room's load (the integral) is
            # above the minimum: hold the minimum rather than stop, because a stop holds
            # for min_off_s, longer than a small room's whole loop period.
            demand = self.min_w
        # A minimum off time protects the chips, not at the room's cost: a room heading
        # `restart_margin_c` below the setpoint starts heating again at once. The filter
        # lags the room by about `filter_s`, so look that far ahead along its slope.
        ahead = error - self._slope_c_s * self.filter_s
        restart = self.relay is None and ahead > self.restart_margin_c
        self.output_w = self._duty.update(now_s, demand, restart=restart)
        return self.output_w

    # --- state for the daemon, tests and persistence ---------------------------------
    @property
    def filtered_c(self) -> float | None:
        return self._filtered_c

    @property
    def autotuning(self) -> bool:
        return self.relay is not None

    @property
    def cycles(self) -> int:
        """Off → on transitions of the output so far."""
        return self._duty.cycles

    def snapshot(self) -> dict[str, object]:
        """What to persist: the learned room, not the moment-to-moment state."""
        return {
            "version": SNAPSHOT_VERSION,
            "tuning": self.tuning.to_dict(),
            "detunes": self.detunes,
        }

    def restore(self, data: Mapping[str, object]) -> None:
        """Take back a `snapshot()`; raises ValueError (changing nothing) if it is bad."""
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(
                f"thermostat snapshot version = {data.get('version')!r}; "
                f"allowed: {SNAPSHOT_VERSION}"
            )
        raw = data.get("tuning")
        if not isinstance(raw, Mapping):
            raise ValueError(f"thermostat snapshot tuning = {raw!r}; allowed: a tuning object")
        detunes = data.get("detunes", 0)
        if isinstance(detunes, bool) or not isinstance(detunes, int) or detunes < 0:
            raise ValueError(f"thermostat snapshot detunes = {detunes!r}; allowed: an integer >= 0")
        tuning = Tuning.from_dict(raw)
        self.tuning = tuning
        self.detunes = detunes
        self.relay = None
        self._integral_preset = False

    def retune(self) -> None:
        """Forget the learned gains and test the room again once it has settled."""
        self.tuning = Tuning.default_for(self.max_w)
        self.relay = None
        self.detunes = 0
        self._next_relay_s = 0.0
        self._settled_since = None

    # --- internals ---------------------------------------------------------------------
    @property
    def _ceiling(self) -> float:
        return max(0.0, min(self.max_w, self.limit_w))

    def _filter(self, dt: float, room_c: float) -> None:
        if self._filtered_c is None:
            self._filtered_c = room_c
            return
        previous = self._filtered_c
        self._filtered_c += (room_c - previous) * _alpha(dt, self.filter_s)
        if dt > 0:
            raw_slope = (self._filtered_c - previous) / dt
            tau = self.tuning.td_s / self.derivative_filter_n
            self._slope_c_s += (raw_slope - self._slope_c_s) * _alpha(dt, tau)

    def _reference(self, dt: float, target_c: float) -> float:
        """The setpoint the PID chases: a raised target is approached at
        `setpoint_rise_c_h`, starting from where the room is, so the heater does not
        pour full power into air that will overshoot once the heat-sink and sensor lags
        catch up; a lowered target applies at once (the heater just stops)."""
        assert self._filtered_c is not None
        ref = self._reference_c
        if ref is not None and target_c < ref - 1e-9:
            self._lowered = True
        elif ref is not None and target_c > ref + 1e-9:
            self._lowered = False
        if ref is None or target_c <= ref or self.setpoint_rise_c_s <= 0:
            ref = target_c
        else:
            ref = min(target_c, max(ref, self._filtered_c) + self.setpoint_rise_c_s * dt)
        self._reference_c = ref
        return ref

    def _pid(self, dt: float, error: float) -> float:
        t = self.tuning
        if not self._integral_preset:
            # start from the load the room took last time it was measured
            self._integral_w = min(self._ceiling, t.load_w)
            self._integral_preset = True
        hi = self._ceiling
        db = self.deadband_c
        e = 0.0 if abs(error) <= db else error - math.copysign(db, error)
        p = t.kp_w_per_k * e
        d = -t.kp_w_per_k * t.td_s * self._slope_c_s
        raw = p + self._integral_w + d
        pushing_up = e > 0 and raw >= hi
        # Held at min_w (see `update`) the heater delivers min_w, not `raw`: saturated at
        # its floor only while coasting down to a lowered target; otherwise the integral
        # learns that the room needs less.
        if error >= 0:
            self._lowered = False  # the room got to the lowered target
        held = raw < self.min_w <= self._integral_w and error > -self.stop_margin_c
        pushing_down = e < 0 and (self._coasting_at_floor(error) if held else raw <= 0.0)
        if not (held and self._lowered):
            self._held_since = None
        if not (pushing_up or pushing_down):
            self._integral_w += t.kp_w_per_k / t.ti_s * e * dt
        self._integral_w = max(0.0, min(hi, self._integral_w))
        demand = max(0.0, min(hi, p + self._integral_w + d))
        if self._hunting.feed(self._last_s or 0.0, error):
            if self.autotune and self.detunes >= self.max_detunes:
                self.retune()
            else:
                self.tuning = t.detuned(self.detune_factor)
                self.detunes += 1
        return demand

    def _coasting_at_floor(self, error: float) -> bool:
        """Held at `min_w` (below it the heater could only stop, see `update`): on the
        way down to a lowered target, while the room heads there."""
        if not (self._lowered and self.hold_floor_when_lowered):
            return False
        now = self._last_s or 0.0
        if self._held_since is None:
            self._held_since = now
        if now - self._held_since < COAST_GRACE_S:
            return True
        slope = self._slope_c_s  # < 0 and there within two integral times
        return slope < 0 and error >= slope * 2.0 * self.tuning.ti_s

    def _maybe_start_relay(self, now_s: float, error: float, demand: float) -> None:
        if not self.autotune or self.tuning.source != "default" or now_s < self._next_relay_s:
            self._settled_since = None
            return
        if abs(error) > self.settle_band_c:
            self._settled_since = None
            return
        if self._settled_since is None:
            self._settled_since = now_s
        if now_s - self._settled_since < self.settle_s:
            return
        if self._ceiling < self.max_w:
            return  # capped: test with the full range later
        span = self.max_w - self.min_w
        if span <= 0:
            self.last_relay_failure = "no power range to test with (min_w == max_w)"
            self._next_relay_s = math.inf
            return
        # Centre the relay on the load the PID settled at, so the cycle is symmetric
        # (the describing-function estimate is best then); if the load sits too close
        # to either end of the range, shift the centre rather than test with a tiny swing.
        amplitude = min(self.relay_fraction * span, demand - self.min_w, self.max_w - demand)
        if amplitude < 0.1 * span:
            amplitude = self.relay_fraction * span
        bias = max(self.min_w + amplitude, min(self.max_w - amplitude, demand))
        self.relay = RelayTest(
            bias_w=bias,
            amplitude_w=amplitude,
            hysteresis_c=self.relay_hysteresis_c,
            started_s=now_s,
            timeout_s=self.relay_timeout_s,
            high=error > 0,
        )

    def _relay_step(self, now_s: float, error: float) -> float:
        relay = self.relay
        assert relay is not None
        watts = relay.output(now_s, error)
        if relay.result is not None:
            self.tuning = relay.result
            self._integral_w = min(self.max_w, relay.result.load_w)
            self._integral_preset = True
            self._hunting.reset()
            self.relay = None
            self.last_relay_failure = None
        elif relay.failed is not None:
            self.last_relay_failure = relay.failed
            self._integral_w = relay.bias_w
            self._next_relay_s = now_s + self.retry_s
            self.relay = None
        return watts
