"""Drivers for the parts on a hashboard besides its ASICs, over an `smbus2.SMBus`-shaped
bus (`bus.py` opens one), and the `CoreRail`s (firmware/work/rail.py) built from them.

API (import from the modules named):

    errors.py     PartError(RuntimeError): .code (alarm code), .part, .address
                    PartNotAnswering   code "<prefix>_not_answering": an OSError on the bus
                    ImpossibleReading  code "<prefix>_impossible_reading"
                  prefix: "vr" (TPS546D24A, DS4432U), "meter" (INA260), "fan" (EMC2101),
                  "temp" (TMP1075)
    device.py     I2cDevice(bus, address, part, *, role, lock=None): one part's
                  transactions; every OSError becomes PartNotAnswering
    pmbus.py      decode/encode_linear11, decode/encode_ulinear16, vout_mode_exponent,
                  STATUS_BITS (each status bit with the alarm code it raises)
    tps546.py     Tps546(device): identify(), configure(Tps546Limits), set_vout_mv(mv),
                  set_output(on), telemetry() -> Tps546Telemetry(vin_v, vout_v, iout_a,
                  temperature_c), status() -> Tps546Status(.alarms(output_on=...)),
                  clear_faults()
    ds4432u.py    Ds4432u(device, DacTrim): set_vout_mv(mv), minimum(), read_code();
                  DacTrim(channel, rfs_ohm, ra_ohm, rb_ohm, vfb_mv): mv <-> DAC code
    ina260.py     Ina260(device): identify(), read() -> Ina260Reading(bus_v, current_a, power_w)
    emc2101.py    Emc2101(device): identify(), configure() (once: TACH input, manual PWM),
                  set_duty_pct(pct), read() -> FanReading(rpm,
                  duty_pct, external_c (None with a diode fault), internal_c, diode)
    tmp1075.py    Tmp1075(device): identify(), temperature_c()
    catalog.py    PART_KINDS: part name -> PartKind(role, alarm_prefix, addresses, limits,
                  source); PartConfig(name, part, bus, address, limits, source): one
                  `[parts.<name>]` table of a board file (`BoardProfile.parts`, parsed by
                  firmware/board/parts.py). Board files name their bus "main".
    pmbus_rail.py PmbusRail(Tps546, Tps546Limits, *, meter=None, ...)  : CoreRail
    dac_rail.py   DacRail(Ds4432u, vout_min_mv=, vout_max_mv=, meter=None, ...) : CoreRail
                  both add fault_messages() -> {code: sentence naming what was read}
    assembly.py   assemble(board.parts, {"main": bus}) -> BoardParts(rail, fan,
                  fan_min_duty_pct, meter, temperatures {name: Tmp1075}, drivers {name: ...})

Readings (`CoreRail.read()`): per chip (`vout_mv` = READ_VOUT ÷ the board's series voltage
domains); `power_w` is the INA260's input power where the board has one (None
otherwise), `core_w` the core rail's measured Vout × Iout, which leaves out the board's
own draw (controller, fan: `PowerReadings.wall_w` adds the profile's modelled rest); a
DAC-trimmed rail has no Vout, Iout or
regulator temperature to read (None).

Rail alarm codes (RailFault.code, CoreRail.faults()): vr_overcurrent, vr_overvoltage,
vr_undervoltage, vr_overtemp, vr_pgood_low, vr_input_undervoltage (the message names the
measured VIN), vr_input_overvoltage, vr_not_answering, vr_impossible_reading,
vr_setpoint_refused (a voltage outside VOUT_MIN..MAX; raised, not kept), and
meter_not_answering / meter_impossible_reading for the INA260. `disable()` never raises:
a regulator that does not answer shows as vr_not_answering in faults().
"""
