"""k6 threshold expressions: parsing, usage errors, evaluation."""

import pytest

from apps.loadtests.engine.metrics import MetricsCollector
from apps.loadtests.engine.thresholds import evaluate, parse_threshold, parse_thresholds
from apps.loadtests.exceptions import ConfigError


def test_parses_several_expressions_and_tags():
    parsed = parse_threshold("http_req_duration{path:/health,method:GET}:p(95)<300, avg <= 100")
    assert [(t.aggregation, t.operator, t.value) for t in parsed] == [
        ("p(95)", "<", 300.0),
        ("avg", "<=", 100.0),
    ]
    assert parsed[0].tags == (("path", "/health"), ("method", "GET"))
    assert parsed[0].metric_key == "http_req_duration{path:/health,method:GET}"
    assert parsed[0].source == "p(95)<300"


@pytest.mark.parametrize(
    "text",
    [
        "http_req_duration:p(99.9)<1000",
        "http_req_duration:med==5",
        "http_req_duration:min>=0",
        "http_req_duration:max!=0",
        "http_req_failed:rate<0.01",
        "http_reqs:count>10",
        "http_reqs:rate>=1.5e2",
        "checks:rate>0.99",
        "checks{check:status is 200}:rate===1",
        "vus_max:value>0",
        "http_req_duration{expected_response:true}:p(90)<200",
    ],
)
def test_accepts_k6_syntax(text):
    assert parse_threshold(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("http_req_duration", "expected METRIC:EXPRESSION"),
        ("nope:avg<1", "unknown metric"),
        ("http_req_duration:rate<1", "is a trend"),
        ("http_req_failed:p(95)<1", "is a rate"),
        ("http_reqs:avg<1", "is a counter"),
        ("http_req_duration:p(95)<<300", "not AGGREGATION OP NUMBER"),
        ("http_req_duration:p(101)<300", "is a trend"),
        ("http_req_duration:p(95)<abc", "not AGGREGATION OP NUMBER"),
        ("http_req_duration:p(95)<300,", "expression missing"),
        ("http_req_duration{colour:red}:avg<1", "tag 'colour'"),
        ("http_req_duration{path}:avg<1", "tag filter"),
        ("iterations{path:/x}:count>1", "no tag sub-metrics"),
    ],
)
def test_refuses_bad_expressions(text, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_threshold(text)


def store_with(durations_ms_by_path):
    collector = MetricsCollector(10**6)
    for (name, status), durations in durations_ms_by_path.items():
        bucket = collector.bucket("GET", name, status)
        for duration in durations:
            collector.record_request(bucket, 0.0, 0.0, 0.0, 0.0, duration / 1000, 0.0, 10, 20)
    collector.store.duration_s = 2.0
    return collector.store


def test_evaluation_gives_the_observed_value_and_verdict():
    store = store_with(
        {("/health", 200): [1, 2, 3, 4], ("/slow", 200): [100, 200], ("/slow", 500): [50]}
    )
    results = evaluate(
        parse_thresholds(
            [
                "http_req_duration:p(95)<150,max<=200,med<4",
                "http_req_duration{path:/health}:p(90)<3.8",
                "http_req_failed:rate<0.1",
                "http_reqs:count==7,rate>=3.5",
                "http_req_duration{expected_response:true}:max<200",
            ]
        ),
        store,
    )
    observed = {(r.metric_key, r.source): (pytest.approx(r.observed), r.ok) for r in results}
    # all 7 sorted: 1 2 3 4 50 100 200; p(95): i = 5.7 → 100 + 0.7·100 = 170
    assert observed[("http_req_duration", "p(95)<150")] == (170.0, False)
    assert observed[("http_req_duration", "max<=200")] == (200.0, True)
    assert observed[("http_req_duration", "med<4")] == (4.0, False)
    assert observed[("http_req_duration{path:/health}", "p(90)<3.8")] == (3.7, True)
    assert observed[("http_req_failed", "rate<0.1")] == (1 / 7, False)
    assert observed[("http_reqs", "count==7")] == (7.0, True)
    assert observed[("http_reqs", "rate>=3.5")] == (3.5, True)
    assert observed[("http_req_duration{expected_response:true}", "max<200")] == (200.0, False)
    assert {r.method for r in results} == {"exact"}
