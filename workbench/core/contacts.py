"""Demo interaction histories: calls, messages, letters and visits with realistic Chinese notes.

A borrower's history follows the state of their loans: service calls and reminders while they
pay, collection calls once an installment is late, lien-release calls after settlement. Calls
happen between 08:30 and 20:30 in the borrower's own time zone (inside the 08:00–22:00 window
the collection rules allow).
"""

from __future__ import annotations

from bisect import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random
from typing import Any

from workbench.core.clock import stamp


@dataclass(frozen=True, slots=True)
class Template:
    channel: str
    queue_id: str | None  # None: an automated or field contact, not handled in a queue
    disposition: str
    outcome: str
    notes: tuple[str, ...]
    duration: tuple[int, int]  # seconds
    weight: int = 10

    @property
    def staffed(self) -> bool:
        return self.queue_id is not None and self.outcome != "abandoned"


T = Template
SERVICE = (
    T("call_in", "repayment", "已告知还款金额", "resolved", (
        "客户来电咨询本期应还金额，已告知{amount}元，每月{due_day}号自动扣款",
        "客户询问本月是否已扣款成功，经查已于{date}扣款{amount}元",
    ), (60, 420), 30),
    T("call_in", "repayment", "已解答", "resolved", (
        "客户询问扣款失败原因，经查为卡内余额不足，已提醒及时存入",
        "客户咨询还款计划表，已告知可在APP“我的贷款”中查看",
        "客户询问发票开具事宜，已告知结清后可申请",
    ), (60, 300), 20),
    T("call_in", "repayment", "变更扣款卡", "resolved", (
        "客户申请变更扣款银行卡，已指导通过APP提交新卡信息",
    ), (120, 540), 6),
    T("call_in", "repayment", "提前结清报价", "resolved", (
        "客户咨询提前结清，已报价{payoff}元（截至{date}），客户考虑后再联系",
    ), (180, 600), 6),
    T("call_in", "repayment", "呼损", "abandoned", ("客户来电排队{wait}秒后挂断",), (10, 90), 6),
    T("app_chat", "repayment", "已发送还款链接", "resolved", (
        "客户在APP咨询如何主动还款，已发送还款链接",
    ), (60, 600), 8),
    T("sms", None, "还款提醒", "delivered", (
        "【还款提醒】尊敬的客户，您本期应还{amount}元将于{due_day}日自动扣款，请保持扣款卡余额充足。",
    ), (0, 0), 30),
    T("email", None, "电子账单", "delivered", ("{month}月电子账单已发送",), (0, 0), 6),
)  # fmt: skip

COLLECTION = (
    T("call_out", "overdue", "承诺还款", "connected", (
        "客户称本月工资推迟发放，承诺{day}号前还款",
        "客户表示资金周转困难，承诺{date}前先还一期{amount}元",
        "客户承诺今晚通过APP还款{amount}元",
    ), (90, 600), 16),
    T("call_out", "overdue", "无人接听", "no_answer", (
        "无人接听", "响铃无人接听，已发送短信提醒",
    ), (0, 0), 30),
    T("call_out", "overdue", "关机/停机", "unreachable", ("客户手机关机", "号码已停机"), (0, 0), 8),
    T("call_out", "overdue", "第三方接听", "third_party", (
        "客户配偶接听，称客户外出务工，已请其转告回电（未透露欠款信息）",
        "家属接听，称客户不在身边，已留言请其回电",
    ), (30, 120), 6),
    T("call_out", "overdue", "拒绝还款", "connected", (
        "客户以车辆有质量问题为由拒绝还款，已解释合同条款",
        "客户态度强硬，拒绝还款并挂断电话",
    ), (60, 300), 5),
    T("call_out", "overdue", "协商分期", "connected", (
        "客户申请将逾期金额分两期偿还，已记录并提交审批",
    ), (180, 720), 4),
    T("call_out", "overdue", "已留言", "voicemail",
        ("转入语音信箱，已留言请客户回电",), (20, 40), 6),
    T("call_in", "overdue", "部分还款", "connected", (
        "客户来电告知已还部分款项，剩余{amount}元承诺{day}号前还清",
    ), (120, 480), 5),
    T("call_in", "overdue", "已还款", "connected",
        ("客户来电告知已通过微信还款{amount}元，已核实",), (60, 240), 6),
    T("call_in", "overdue", "申请减免", "connected", (
        "客户申请减免逾期罚息，已告知需提交困难证明",
    ), (180, 600), 3),
    T("sms", None, "逾期提醒", "delivered", (
        "【逾期提醒】您的车贷已逾期，请尽快还款，以免影响个人征信。如已还款请忽略。",
    ), (0, 0), 20),
    T("letter", None, "催收函", "sent", ("已寄送逾期催告函至居住地址",), (0, 0), 1),
    T("visit", None, "外访", "visited", (
        "外访：上门未见本人，已留联系卡", "外访：见到客户本人，客户承诺{date}前还款",
    ), (600, 2400), 1),
)  # fmt: skip

LIEN = (
    T("call_in", "lien_release", "已告知所需材料", "resolved", (
        "客户已结清，咨询解押流程，已告知需携带身份证、行驶证、机动车登记证书原件",
    ), (120, 480), 10),
    T("call_in", "lien_release", "已预约办理", "resolved", (
        "已为客户预约{date}到{city}车管所办理解押",
    ), (120, 360), 8),
    T("call_out", "lien_release", "结清证明已开具", "connected", (
        "通知客户结清证明已开具，可到门店领取或邮寄",
    ), (60, 180), 6),
    T("call_in", "lien_release", "材料已受理", "resolved",
        ("客户邮寄的解押材料已收到并受理",), (60, 240), 4),
)  # fmt: skip

COMPLAINTS = (
    T("call_in", "complaints", "已安抚", "resolved", (
        "客户投诉催收电话过多影响工作，已安抚并记录，调整联系频次",
    ), (240, 900), 10),
    T("call_in", "complaints", "已升级投诉", "escalated",
        ("客户投诉重复扣款，已升级至投诉处理组",), (300, 900), 6),
    T("call_in", "complaints", "已记录建议", "resolved",
        ("客户建议增加微信还款渠道，已记录",), (120, 400), 4),
    T("call_in", "complaints", "转主管", "escalated",
        ("客户对处理结果不满意，要求主管回电",), (300, 1200), 4),
)  # fmt: skip


def _cumulative(templates: tuple[Template, ...]) -> list[int]:
    total, out = 0, []
    for t in templates:
        total += t.weight
        out.append(total)
    return out


_CUM = {id(g): _cumulative(g) for g in (SERVICE, COLLECTION, LIEN, COMPLAINTS)}


def history_size(rng: Random, kind: str) -> int:
    """How many contacts a borrower has had: skewed, most 0–50."""
    if kind == "current":
        return min(50, int(rng.expovariate(1 / 2.5)))
    if kind == "settled":
        return rng.randint(1, 6)
    if kind == "chronic":
        return min(50, 20 + int(rng.expovariate(1 / 12)))
    return min(50, 6 + int(rng.expovariate(1 / 14)))


@dataclass(slots=True)
class HistoryContext:
    """What a borrower's contact history is about."""

    borrower_id: str
    city: str
    offset_h: int
    loan_id: str | None
    amount_fen: int  # the regular installment
    payoff_fen: int
    due_day: int
    window_start: date
    window_end: date  # last day with contacts (the day before as_of)
    collection_from: date | None  # from this day on, contacts are mostly collection
    settled_on: date | None
    complaint_risk: bool
    chronic: bool


def interactions(
    rng: Random, ctx: HistoryContext, count: int, agents: dict[str, tuple[str, ...]]
) -> list[dict[str, Any]]:
    """``count`` contacts in time order, ids ``I<borrower>-0001`` upward."""
    span = max((ctx.window_end - ctx.window_start).days, 0) + 1
    rand = rng.random
    days = sorted(int(rand() * span) for _ in range(count))
    out = []
    amount = f"{ctx.amount_fen / 100:.2f}"
    payoff = f"{ctx.payoff_fen / 100:.2f}"
    prefix = f"I{ctx.borrower_id[1:]}-"
    start = ctx.window_start.toordinal()
    for n, offset in enumerate(days, 1):
        day = date.fromordinal(start + offset)
        group = _group_for(rand(), ctx, day)
        cum = _CUM[id(group)]  # what rng.choices(group, cum_weights=cum) does, inlined
        t = group[bisect(cum, rand() * cum[-1], 0, len(cum) - 1)]
        note = t.notes[int(rand() * len(t.notes))]
        if "{" in note:
            later = day + timedelta(days=1 + int(rand() * 10))
            note = note.format(
                amount=amount, payoff=payoff, day=later.day, due_day=ctx.due_day,
                date=f"{later.month}月{later.day}日", month=day.month, city=ctx.city,
                wait=30 + int(rand() * 210),
            )  # fmt: skip
        low, high = t.duration
        agents_of = agents[t.queue_id] if t.staffed else None
        out.append(
            {
                "id": f"{prefix}{n:04d}",
                "borrower_id": ctx.borrower_id,
                "channel": t.channel,
                "agent_id": agents_of[int(rand() * len(agents_of))] if agents_of else None,
                "started_at": stamp(day, 30_600 + int(rand() * 43_200), ctx.offset_h),
                "duration_s": low + int(rand() * (high - low + 1)),
                "disposition": t.disposition,
                "notes": note,
                "outcome": t.outcome,
                "loan_id": ctx.loan_id,
                "queue_id": t.queue_id,
            }
        )
    return out


def _group_for(roll: float, ctx: HistoryContext, day: date) -> tuple[Template, ...]:
    if ctx.complaint_risk and roll < 0.15:
        return COMPLAINTS
    if ctx.settled_on is not None and day >= ctx.settled_on:
        return LIEN if roll < 0.8 else SERVICE
    if ctx.chronic or (ctx.collection_from is not None and day >= ctx.collection_from):
        return COLLECTION if roll < 0.85 else SERVICE
    return SERVICE
