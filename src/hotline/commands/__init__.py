"""The faces of the `hotline` command: typer options in, calls to the packages below, tables out.

They used to live inside the pure packages (`wfm`, `sim`, `tickets`, `kb`) and `services`,
which made the import contract need ignores; here they sit above everything they use, and a
contract keeps typer out of the packages below. Each module has a
`register(app)` that `hotline.cli` calls; heavy imports happen inside the commands, so
`hotline --help` stays fast.
"""
