from apps.blueprints.validation.cycles import Cycle, find_cycles, strongly_connected_components


def test_finds_no_cycle_in_a_dag():
    assert find_cycles([[1, 2], [2], []]) == []


def test_finds_a_three_node_cycle_starting_at_its_lowest_node():
    assert find_cycles([[1], [2], [0]]) == [Cycle(path=(0, 1, 2, 0), size=3)]


def test_reports_one_cycle_per_loop_in_node_order():
    adjacency = [[1], [0], [3], [4], [2]]

    assert find_cycles(adjacency) == [
        Cycle(path=(0, 1, 0), size=2),
        Cycle(path=(2, 3, 4, 2), size=3),
    ]


def test_reports_the_shortest_cycle_through_the_first_node_and_the_loop_size():
    # 0 -> 1 -> 2 -> 3 -> 0 and a shortcut 0 -> 3
    adjacency = [[1, 3], [2], [3], [0]]

    assert find_cycles(adjacency) == [Cycle(path=(0, 3, 0), size=4)]


def test_a_self_loop_is_a_cycle():
    assert find_cycles([[0]]) == [Cycle(path=(0, 0), size=1)]


def test_handles_a_100000_node_chain_without_recursion():
    count = 100_000
    adjacency = [[i + 1] for i in range(count - 1)] + [[]]

    assert find_cycles(adjacency) == []
    assert len(strongly_connected_components(adjacency)) == count


def test_handles_a_100000_node_ring_without_recursion():
    count = 100_000
    adjacency = [[(i + 1) % count] for i in range(count)]

    [cycle] = find_cycles(adjacency)

    assert cycle.size == count
    assert cycle.path == (*range(count), 0)
