"""Reading the runs.txt files the bench scripts write: one fact per line, KIND name=value ..."""


def read_facts(path):
    """The lines of runs.txt as (kind, {name: value}); numbers become floats."""
    facts = []
    with open(path) as f:
        for line in f:
            kind, _, rest = line.strip().partition(" ")
            if not kind:
                continue
            if kind == "META":
                name, _, value = rest.partition("=")
                facts.append((kind, {name: value}))
                continue
            fields = {}
            for pair in rest.split():
                name, _, value = pair.partition("=")
                try:
                    fields[name] = float(value)
                except ValueError:
                    fields[name] = value
            facts.append((kind, fields))
    return facts
