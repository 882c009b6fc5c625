"""Who may publish and subscribe what on the embedded broker (an amqtt topic plugin).

Two users exist (`firmware/broker/credentials.py`):
- the heater's own user (`heater_user`): everything; it is the only one that may write
  state, availability, results and discovery configs;
- the owner's user (what the app and Home Assistant are given): may publish only
  commands, `<prefix>/<id>/set` and `<prefix>/<id>/demand`, the inputs
  `<prefix>/<id>/prices`, and Home Assistant's birth message `<discovery prefix>/status`;
  it may subscribe to anything except other clients' commands (which may carry pool
  passwords).

Anonymous clients never get this far (authentication refuses them). An amqtt plugin is
all-or-nothing per action, so a refused publish is dropped by the broker and a refused
subscription gets SUBACK 0x80.
"""

from __future__ import annotations

from dataclasses import dataclass

from amqtt.contexts import Action, BaseContext
from amqtt.plugins.base import BaseTopicPlugin
from amqtt.session import Session

COMMAND_LEVELS = frozenset({"set", "demand"})
# What the owner's side feeds the heater that is no secret (others may read it back).
INPUT_LEVELS = frozenset({"prices"})


def owner_may_publish(topic: str) -> bool:
    levels = topic.split("/")
    if any(level in ("+", "#") for level in levels):
        return False
    if len(levels) >= 3 and levels[-1] in COMMAND_LEVELS | INPUT_LEVELS:
        return True
    return len(levels) == 2 and levels[1] == "status"


def owner_may_subscribe(topic_filter: str) -> bool:
    """Anything but a filter that names command topics (set/demand) of any device."""
    last = topic_filter.split("/")[-1]
    return last not in COMMAND_LEVELS


class HearthTopicPolicy(BaseTopicPlugin):
    @dataclass
    class Config:
        heater_user: str = ""

    def __init__(self, context: BaseContext) -> None:
        super().__init__(context)
        self.heater_user: str = self.config.heater_user

    async def topic_filtering(
        self,
        *,
        session: Session | None = None,
        topic: str | None = None,
        action: Action | None = None,
    ) -> bool | None:
        if session is None or topic is None:
            return False
        if self.heater_user and session.username == self.heater_user:
            return True
        if action == Action.PUBLISH:
            return owner_may_publish(topic)
        if action == Action.SUBSCRIBE:
            return owner_may_subscribe(topic)
        # RECEIVE: a wildcard subscription (`#`) still never delivers others' commands.
        return topic.split("/")[-1] not in COMMAND_LEVELS
