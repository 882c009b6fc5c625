"""The grid side of heating: day-ahead price tables in the formats people have (Hearth's
MQTT `prices` JSON, Home Assistant's Nord Pool attributes, ENTSO-E XML), the grid meter
and solar-surplus following, and (firmware/grid/openadr) the utility's OpenADR events.
All of it turns into the heat controller's inputs: a `PriceSchedule` and power caps
(firmware.heat.caps). Pure parsers and policies; the daemon does the I/O."""
