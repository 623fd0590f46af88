"""Cycle detection over a dependency graph given as adjacency lists of node indices.

Iterative throughout (no recursion), so a chain of any length fits in Python's stack, and linear:
Tarjan's strongly connected components finds every loop in O(nodes + edges), then a breadth-first
search inside each loop finds its shortest cycle through the loop's first node.
"""

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Cycle:
    path: tuple[int, ...]  # starts and ends at the loop's lowest node: (0, 3, 1, 0)
    size: int  # nodes in the whole loop (strongly connected component), >= len(path) - 1


def strongly_connected_components(adjacency: Sequence[Sequence[int]]) -> list[list[int]]:
    """Tarjan's algorithm with an explicit work stack instead of recursion."""
    count = len(adjacency)
    index = [-1] * count
    low = [0] * count
    on_stack = [False] * count
    stack: list[int] = []
    components: list[list[int]] = []
    counter = 0

    for root in range(count):
        if index[root] != -1:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        work = [(root, 0)]
        while work:
            node, edge = work[-1]
            neighbours = adjacency[node]
            if edge < len(neighbours):
                work[-1] = (node, edge + 1)
                target = neighbours[edge]
                if index[target] == -1:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack[target] = True
                    work.append((target, 0))
                elif on_stack[target] and index[target] < low[node]:
                    low[node] = index[target]
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                if low[node] < low[parent]:
                    low[parent] = low[node]
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


def _shortest_cycle_through(
    start: int, members: set[int], adjacency: Sequence[Sequence[int]]
) -> tuple[int, ...]:
    parent: dict[int, int] = {start: start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target in adjacency[node]:
            if target == start:
                path = [start]
                while node != start:
                    path.append(node)
                    node = parent[node]
                path.append(start)
                path.reverse()
                return tuple(path)
            if target in members and target not in parent:
                parent[target] = node
                queue.append(target)
    raise AssertionError("a strongly connected component always has a cycle")  # pragma: no cover


def find_cycles(adjacency: Sequence[Sequence[int]]) -> list[Cycle]:
    """One cycle per dependency loop, ordered by the loop's lowest node."""
    cycles = []
    for component in strongly_connected_components(adjacency):
        start = min(component)
        if len(component) == 1 and start not in adjacency[start]:
            continue
        path = _shortest_cycle_through(start, set(component), adjacency)
        cycles.append(Cycle(path=path, size=len(component)))
    return sorted(cycles, key=lambda cycle: cycle.path[0])
