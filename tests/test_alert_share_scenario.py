"""Acceptance: one implementation goes 30 → 45 → 50 → 55 → 45 → 30% of the oDAO, on the devnet.

Twenty members (so that 50% and the 51% consensus threshold are different member counts:
10 of 20 is critical, 11 of 20 can finalise alone) declare what they run with signed
declarations, the simulator switches them day by day, the indexer reads the chain, the
fingerprinting module's ShareBook turns declarations into shares, and the rules are evaluated
once a day at noon. There is one alert, whose history is warning, critical, emergency, warning,
resolved, and the channel subscribed to the share rule hears exactly one Discord message per
change, on a fake Discord server on 127.0.0.1.
"""

import json
from datetime import UTC, datetime

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from diversity.alerts.delivery import deliver_due
from diversity.alerts.lifecycle import evaluate
from diversity.alerts.models import Alert, Channel, Rule, Subscription
from diversity.alerts.situation import Situation
from diversity.alerts.sources import consensus_threshold, current_shares, implementation_lookup
from diversity.fingerprint.declarations import Claim, declaration_text, record_declaration
from diversity.fingerprint.shares import ShareBook
from reliability.fake_discord import FakeDiscord
from tests.conftest import run_simulation
from votes.chain.networks import NetworkConfig
from votes.devnet.members import member_key
from votes.indexing.indexer import Indexer

pytestmark = [pytest.mark.chain, pytest.mark.slow]
SEED, MEMBERS, DAY = 5, 20, 86400
TOWERS = ["smartnode", "oraclerust", "pywatch", "lighttower", "oraclerust"] * 4
TOWERS[4], TOWERS[9] = "smartnode", "smartnode"  # 6 smartnode, 6 oraclerust, 4 + 4 others
TREEGENS = ["smartnode-treegen", "treegen-rs", "pytreegen"] * 7
SMARTNODE_SHARE_BY_DAY = [0.3, 0.45, 0.5, 0.55, 0.45, 0.3]
DAYS = len(SMARTNODE_SHARE_BY_DAY)
SCENARIO = {
    "houston_upgrade_day": None,
    "members": [{"watchtower": t, "treegen": g} for t, g in zip(TOWERS, TREEGENS, strict=False)],
    "events": [
        {"day": day, "type": "reach_share", "watchtower": "smartnode", "share": share}
        for day, share in enumerate(SMARTNODE_SHARE_BY_DAY)
        if day > 0
    ],
}


@pytest.fixture(scope="module")
def share_swing_devnet(tmp_path_factory):
    scenario = tmp_path_factory.mktemp("scenario") / "share_swing.json"
    scenario.write_text(json.dumps(SCENARIO))
    yield from run_simulation(days=DAYS, members=MEMBERS, seed=SEED, scenario=scenario)


def declare_every_switch(truth: dict, seed: int) -> int:
    """Each member signs a declaration whenever its software changes (its simulator history)."""
    count = 0
    for member in truth["members"]:
        for nonce, entry in enumerate(member["history"]):
            claim = Claim("devnet", member["address"], entry["watchtower"], "",
                          entry["treegen"], "", entry["from"], nonce)  # fmt: skip
            message = declaration_text(claim)
            signed = Account.sign_message(
                encode_defunct(text=message), member_key(seed, member["index"])
            )
            record_declaration("devnet", message, "0x" + signed.signature.hex().removeprefix("0x"))
            count += 1
    return count


def devnet_config(deployment) -> NetworkConfig:
    """This test's devnet (not whatever var/test/devnet.json says: other runs may share it)."""
    return NetworkConfig("devnet", deployment.rpc_url, deployment.rocket_storage,
                         deployment.deploy_block, world=deployment.world)  # fmt: skip


def noon(truth: dict, day: int) -> datetime:
    return datetime.fromtimestamp(truth["started_at"] + day * DAY + DAY // 2, UTC)


@pytest.mark.django_db
def test_share_swing_alerts_in_order_then_resolves(share_swing_devnet, settings):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    chain, deployment, _, truth = share_swing_devnet
    Indexer(devnet_config(deployment)).run_pass()
    assert declare_every_switch(truth, SEED) > MEMBERS

    with FakeDiscord(script=[]) as discord:
        channel = Channel.objects.create(name="odao", kind=Channel.Kind.DISCORD, target=discord.url)
        Subscription.objects.create(channel=channel, rule=Rule.IMPLEMENTATION_SHARE)
        seen = []
        for day in range(DAYS):
            book = ShareBook("devnet")
            at = noon(truth, day)
            shares = current_shares(book, at)
            smartnode = next(s for s in shares if s.implementation == "smartnode")
            seen.append(smartnode.estimate)
            situation = Situation(
                network="devnet", now=at, shares=shares, threshold=consensus_threshold("devnet"),
                implementation_of=implementation_lookup(book, "devnet"),
                head=chain.w3.eth.block_number, indexed_block=chain.w3.eth.block_number,
            )  # fmt: skip
            evaluate(situation)
            deliver_due()
    assert seen == SMARTNODE_SHARE_BY_DAY, "the declarations give the simulator's shares"

    alert = Alert.objects.get(rule=Rule.IMPLEMENTATION_SHARE)  # one alert for the condition
    assert alert.key == "share:watchtower:smartnode" and alert.status == "resolved"
    history = alert.events.exclude(kind="updated")  # a text change alone tells no one
    assert [(e.kind, e.severity) for e in history] == [
        ("opened", "warning"),
        ("escalated", "critical"),
        ("escalated", "emergency"),
        ("deescalated", "warning"),
        ("resolved", "warning"),
    ]
    assert all(e.certainty == "certain" for e in history), "every member declared"
    assert len(discord.requests) == len(discord.accepted) == 5, "one message per change"
    titles = [[embed["title"] for embed in body["embeds"]] for body in discord.accepted]
    assert titles == [
        ["WARNING: smartnode nears half of the watchtower vote"],
        ["CRITICAL, up from WARNING: smartnode holds half of the watchtower vote"],
        ["EMERGENCY, up from CRITICAL: smartnode can finalise watchtower votes alone"],
        ["WARNING, down from EMERGENCY: smartnode nears half of the watchtower vote"],
        ["RESOLVED: smartnode nears half of the watchtower vote"],
    ]
    link = f"/alerts/{alert.id}/"
    assert all(body["embeds"][0]["url"].endswith(link) for body in discord.accepted)
    assert [body.get("flags", 0) for body in discord.accepted] == [0, 0, 0, 4096, 4096]
    emergency = discord.accepted[2]["embeds"][0]["description"]
    assert "55.0%" in emergency and "estimate" in emergency
