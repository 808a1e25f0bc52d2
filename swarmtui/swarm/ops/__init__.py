"""Operations on the swarm: plan → guard → apply → converge (see base.Operation).

Import each name from its module: the package itself imports nothing, so using one
module never loads the others (start-up time: issue 17).
"""
