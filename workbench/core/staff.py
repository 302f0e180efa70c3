"""The call centre of the demo: its four queues and twenty people."""

from __future__ import annotations

from random import Random
from typing import Any

from workbench.core.people import person_name

# (id, name, name_en, sl threshold s, sl target %, short abandon s, dispositions)
QUEUES: tuple[tuple[str, str, str, int, int, int, tuple[str, ...]], ...] = (
    ("repayment", "还款咨询", "Repayment enquiries", 20, 80, 5, (
        "已解答", "已告知还款金额", "已协助还款", "已发送还款链接", "提前结清报价", "变更扣款卡",
        "转人工复核", "呼损",
    )),
    ("overdue", "逾期协商", "Overdue negotiation", 30, 80, 5, (
        "承诺还款", "已还款", "部分还款", "拒绝还款", "协商分期", "无人接听", "关机/停机",
        "空号/错号", "第三方接听", "已留言", "申请减免", "转法务",
    )),
    ("lien_release", "解押办理", "Lien release", 20, 80, 5, (
        "已告知所需材料", "已预约办理", "材料已受理", "结清证明已开具", "已解押", "转运营",
    )),
    ("complaints", "投诉建议", "Complaints and suggestions", 15, 85, 5, (
        "已安抚", "已记录建议", "已升级投诉", "已解决", "客户不满意", "转主管",
    )),
)  # fmt: skip

QUEUE_IDS = tuple(q[0] for q in QUEUES)
DISPOSITIONS = {q[0]: q[6] for q in QUEUES}

AGENT_COUNT = 20
SUPERVISORS = ("A018", "A019")
AUDITOR = "A020"


def queue_records() -> list[dict[str, Any]]:
    """The four queues as Queue records."""
    return [
        {
            "id": qid,
            "name": name,
            "name_en": name_en,
            "sl_threshold_s": threshold,
            "sl_target_pct": target,
            "short_abandon_s": short,
            "dispositions": list(dispositions),
            "disposition_required": True,
        }
        for qid, name, name_en, threshold, target, short, dispositions in QUEUES
    ]


def agent_ids() -> list[str]:
    return [f"A{n:03d}" for n in range(1, AGENT_COUNT + 1)]


def agent_records(seed: int) -> list[dict[str, Any]]:
    """Seventeen agents, two supervisors and one auditor, each skilled for some queues."""
    rng = Random(seed * 7_777 + 1)
    records = []
    for aid in agent_ids():
        gender = "M" if rng.random() < 0.45 else "F"
        if aid in SUPERVISORS or aid == AUDITOR:
            role, queues = ("supervisor" if aid != AUDITOR else "auditor"), list(QUEUE_IDS)
        else:
            role = "agent"
            queues = sorted(rng.sample(QUEUE_IDS, rng.randint(1, 3)), key=QUEUE_IDS.index)
        records.append(
            {"id": aid, "name": person_name(rng, gender), "role": role, "queues": queues}
        )
    return records


def agents_for(records: list[dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    """Queue id → the agents (role agent) who work it."""
    return {
        qid: tuple(a["id"] for a in records if a["role"] == "agent" and qid in a["queues"])
        or SUPERVISORS
        for qid in QUEUE_IDS
    }
