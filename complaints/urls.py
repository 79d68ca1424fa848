from __future__ import annotations

app_name = "complaints"

urlpatterns: list = []
