"""Each driver against its simulator, through the smbus2-shaped simulated bus."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware.parts.device import I2cDevice
from firmware.parts.ds4432u import DacTrim, Ds4432u
from firmware.parts.emc2101 import Emc2101
from firmware.parts.errors import ImpossibleReading, PartNotAnswering
from firmware.parts.ina260 import Ina260
from firmware.parts.tmp1075 import Tmp1075
from firmware.parts.tps546 import Tps546, Tps546Limits
from hw.sim.parts import SimBus
from hw.sim.parts.ds4432u import SimDs4432u
from hw.sim.parts.emc2101 import SimEmc2101
from hw.sim.parts.ina260 import SimIna260
from hw.sim.parts.tmp1075 import SimTmp1075
from hw.sim.parts.tps546 import SimTps546
from hw.sim.parts.tps40305 import SimTps40305

GAMMA = Tps546Limits(
    vout_min_mv=1000,
    vout_max_mv=2000,
    vout_scale_loop=0.25,
    iout_oc_warn_a=25,
    iout_oc_fault_a=30,
    vin_on_v=4.8,
    vin_off_v=4.5,
    vin_uv_warn_v=4.6,
    ot_warn_c=105,
    ot_fault_c=145,
    tolerance_pct=3,
)


def device(part, name, role="vr"):
    return I2cDevice(SimBus([part]), part.address, name, role=role)


def test_tps546_configure_writes_every_limit_the_part_then_holds():
    sim = SimTps546()
    tps = Tps546(device(sim, "TPS546D24A"))
    tps.identify()
    tps.configure(GAMMA)
    assert sim.on_off_config == 0x18 and sim.operation == 0x00
    assert sim.values["vout_max"] == 2.0 and sim.values["vout_min"] == 1.0
    assert sim.values["oc_fault"] == 30.0 and sim.values["oc_warn"] == 25.0
    assert sim.values["vin_on"] == pytest.approx(4.8, abs=0.01)
    assert sim.values["scale_loop"] == 0.25
    assert sim.values["ot_fault"] == 145.0


def test_tps546_telemetry_and_status():
    sim = SimTps546()
    tps = Tps546(device(sim, "TPS546D24A"))
    tps.configure(GAMMA)
    tps.set_vout_mv(1150)
    tps.set_output(True)
    sim.vin_v, sim.load_a, sim.temperature_c = 5.02, 13.0, 47.0
    t = tps.telemetry()
    assert t.vin_v == pytest.approx(5.02, abs=0.02)
    assert t.iout_a == pytest.approx(13.0, abs=0.07)
    assert t.temperature_c == 47.0
    sim.inject("iout", 0x20)
    assert tps.status().alarms(output_on=False) == ("vr_overcurrent",)


@pytest.mark.parametrize(
    ("register", "mask", "code"),
    [
        ("iout", 0x80, "vr_overcurrent"),
        ("vout", 0x80, "vr_overvoltage"),
        ("vout", 0x10, "vr_undervoltage"),
        ("temperature", 0x80, "vr_overtemp"),
        ("temperature", 0x40, "vr_overtemp"),
        ("input", 0x20, "vr_input_undervoltage"),
        ("input", 0x80, "vr_input_overvoltage"),
    ],
)
def test_each_status_bit_maps_to_its_alarm(register, mask, code):
    sim = SimTps546()
    tps = Tps546(device(sim, "TPS546D24A"))
    sim.inject(register, mask)
    assert code in tps.status().alarms(output_on=False)


def test_tps546_impossible_reading_is_named():
    sim = SimTps546()
    tps = Tps546(device(sim, "TPS546D24A"))
    sim.force_reading(0x88, 0x03FF)  # READ_VIN 1023 V
    with pytest.raises(ImpossibleReading) as caught:
        tps.telemetry()
    assert caught.value.code == "vr_impossible_reading"


def test_a_silent_part_is_a_named_failure_not_an_oserror():
    sim = SimTps546()
    sim.stop_answering()
    with pytest.raises(PartNotAnswering) as caught:
        Tps546(device(sim, "TPS546D24A")).status()
    assert caught.value.code == "vr_not_answering"
    assert "0x24" in str(caught.value)


def test_ds4432u_codes_give_the_output_the_feedback_network_gives():
    trim = DacTrim(channel=0, rfs_ohm=80e3, ra_ohm=4750, rb_ohm=3320, vfb_mv=600)
    sim = SimDs4432u(rfs_ohm=(80e3, 80e3))
    converter = SimTps40305(ra_ohm=4750, rb_ohm=3320, vfb_v=0.6)
    dac = Ds4432u(device(sim, "DS4432U"), trim)
    step_mv = 4750 * trim.full_scale_a / 127 * 1000
    for mv in (1000, 1150, 1200, 1400, 1458, 1500, 1900):
        predicted = dac.set_vout_mv(mv)
        real = converter.regulated_v(sim.current_a(0)) * 1000
        assert real == pytest.approx(predicted, abs=1e-6)
        assert mv - step_mv <= real <= mv + 1e-9  # never above what was asked
    with pytest.raises(ValueError):
        trim.code_for_mv(2500)


def test_ina260_reads_the_simulated_meter():
    sim = SimIna260()
    sim.bus_v, sim.current_a = 5.1, 3.3
    meter = Ina260(device(sim, "INA260", "meter"))
    meter.identify()
    r = meter.read()
    assert r.bus_v == pytest.approx(5.1, abs=0.00125)
    assert r.current_a == pytest.approx(3.3, abs=0.00125)
    assert r.power_w == pytest.approx(5.1 * 3.3, abs=0.02)
    sim.force(0x02, 0xFFFF)  # 81.9 V: beyond the part
    with pytest.raises(ImpossibleReading):
        meter.read()


def test_emc2101_fan_and_diode():
    sim = SimEmc2101(max_rpm=6000)
    fan = Emc2101(device(sim, "EMC2101", "fan"))
    fan.identify()
    fan.set_duty_pct(100)
    assert fan.read().rpm == 0  # pin 6 is still ALERT: no tach
    fan.configure()
    sim.external_c, sim.internal_c = 61.375, 33
    r = fan.read()
    assert r.rpm == pytest.approx(6000) and r.duty_pct == 100
    assert r.external_c == 61.375 and r.internal_c == 33
    sim.stall()
    assert fan.read().rpm == 0
    sim.diode_fault("open")
    r = fan.read()
    assert r.external_c is None and r.diode == "open"


def test_tmp1075_negative_and_positive():
    sim = SimTmp1075(0x4B)
    sensor = Tmp1075(device(sim, "TMP1075", "temp"))
    sensor.identify()
    for celsius in (-40.0, -0.0625, 0.0, 25.5, 124.9375):
        sim.temperature_c = celsius
        assert sensor.temperature_c() == celsius
    sim.forced = 0x7FF1  # reserved low bits set
    with pytest.raises(ImpossibleReading):
        sensor.temperature_c()


@given(st.floats(989.0, 1927.0))
def test_every_reachable_voltage_gets_the_code_just_below_it(mv):
    trim = DacTrim(channel=0, rfs_ohm=80e3, ra_ohm=4750, rb_ohm=3320, vfb_mv=600)
    sim = SimDs4432u(rfs_ohm=(80e3, 80e3))
    converter = SimTps40305(ra_ohm=4750, rb_ohm=3320, vfb_v=0.6)
    Ds4432u(device(sim, "DS4432U"), trim).set_vout_mv(mv)
    real = converter.regulated_v(sim.current_a(0)) * 1000
    step_mv = 4750 * trim.full_scale_a / 127 * 1000
    assert mv - step_mv - 1e-6 <= real <= mv + 1e-6


@given(st.integers(-55 * 16, 125 * 16))
def test_tmp1075_every_sixteenth_of_a_degree(sixteenths):
    sim = SimTmp1075(0x48)
    sim.temperature_c = sixteenths / 16
    assert Tmp1075(device(sim, "TMP1075", "temp")).temperature_c() == sixteenths / 16


@given(st.floats(0.0, 36.0), st.floats(-15.0, 15.0))
def test_ina260_readings_within_one_lsb(volts, amps):
    sim = SimIna260()
    sim.bus_v, sim.current_a = volts, amps
    r = Ina260(device(sim, "INA260", "meter")).read()
    assert abs(r.bus_v - volts) <= 0.00125
    assert abs(r.current_a - amps) <= 0.00125
    assert abs(r.power_w - volts * abs(amps)) <= 0.01 + 0.00125 * (volts + abs(amps))
