"""The faces of the `hotline` command that need the store or the server's settings.

They used to live inside the pure packages (`wfm`, `tickets`, `kb`) and `services`, which made
the import contract need ignores; here they sit above everything they use. Each module has a
`register(app)` that `hotline.cli` calls; heavy imports happen inside the commands, so
`hotline --help` stays fast.
"""
