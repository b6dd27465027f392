"""The planning workspace (``consortia serve``): edit consortia on the map in the browser, see
at once which rules break and what it costs, lock what is agreed and solve around it.

Modules: ``proposal`` (drafts, locks as directives, the checker's verdict), ``job`` (the
background solve), ``geometry`` (the map), ``session`` (one open scenario) and ``app`` (the web
application; the command is ``consortia.cli.serve``). Starlette and uvicorn are needed only by
``app``: ``pip install "consortia[serve]"``.
"""

__all__: list[str] = []
