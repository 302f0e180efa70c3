"""Catalog entries of the idle lock and the desk's identity line (both languages)."""

ZH: dict[str, str] = {
    "lock.title": "工作台已锁定",
    "lock.why": "长时间无操作，已隐藏借款人信息。",
    "lock.ask_secret": "输入令牌、PIN 或缓存密钥以解锁",
    "lock.ask_enter": "按 Enter 解锁（未设置 PIN）",
    "lock.wrong": "解锁失败：令牌、PIN 或密钥不正确",
    "lock.placeholder": "令牌 / PIN / 密钥",
    "identity.line": "{agent} · {role}（核心认证）",
}

EN: dict[str, str] = {
    "lock.title": "Workbench locked",
    "lock.why": "Idle for a while: borrower details are hidden.",
    "lock.ask_secret": "Type the token, PIN or cache key to unlock",
    "lock.ask_enter": "Press Enter to unlock (no PIN set)",
    "lock.wrong": "Not unlocked: the token, PIN or key is wrong",
    "lock.placeholder": "token / PIN / key",
    "identity.line": "{agent} · {role} (from the core)",
}


def install() -> None:
    """Add these entries to the zh and en catalogs (idempotent)."""
    from workbench.ui.i18n import catalog

    for lang, entries in (("zh", ZH), ("en", EN)):
        table = catalog(lang)
        for key, text in entries.items():
            table.setdefault(key, text)  # type: ignore[attr-defined]
