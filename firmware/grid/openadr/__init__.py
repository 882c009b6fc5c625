"""OpenADR 2.0b: the heater as a VEN (virtual end node) of a utility's or aggregator's VTN.

    event.py   an openleadr event (a dict) read into plain values, or refused with a reason
    policy.py  the owner's policy and the signal table: an event becomes a plan of caps
    book.py    the accepted plans: the cap in force now, when it next changes, overrides
    ven.py     the openleadr client glue: registration with backoff, events, reports

The first three are pure (times are unix seconds handed in); only ven.py imports
openleadr. docs/openadr.md has the mapping and the rules.
"""
