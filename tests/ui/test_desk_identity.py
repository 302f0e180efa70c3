"""The desk shows who the core says it is, and that role governs what it offers."""

from __future__ import annotations

from desk_pilot import make_test_app, screen_text, wait_for

from workbench.ui.roles import may_reveal


async def test_the_cores_identity_replaces_the_local_role_and_shows(desk_cache, monkeypatch):
    monkeypatch.setenv("WORKBENCH_ROLE", "supervisor")  # what the agent set; the core says agent
    app = make_test_app(desk_cache)
    app.show_identity("A007", "agent")
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: "A007" in screen_text(pilot), what="the identity line")
        assert app.role == "agent" and app.agent_id == "A007" and not may_reveal(app.role)
        assert "坐席（核心认证）" in screen_text(pilot)
        await pilot.press("f10")  # the supervisor view is refused for the core's agent
        assert type(app.screen).__name__ != "SupervisorScreen"


def test_an_unknown_role_from_the_core_is_an_agent(desk_cache):
    app = make_test_app(desk_cache, lang="en")
    app.show_identity("A018", "root")
    assert app.role == "agent" and "A018 · agent (from the core)" in app.sub_title
