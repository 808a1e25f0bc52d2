"""Creating and changing services, overlay networks, stacks, secrets and configs (issue 8).

Pure logic (forms, validation, specs, CLI equivalents, compose parsing, spec
diffs) plus operations that follow the domain's Operation shape: ``cli``,
``guard(snapshot, read_only=…)``, ``apply(api)``, ``converged(snapshot)``.

Import each name from its module: the package itself imports nothing, so using one
module never loads the others (start-up time: issue 17).
"""
