"""The optional answer writer, with a fake in place of the remote model."""

import pytest

from assistant.generator import rewrite

pytestmark = pytest.mark.slow


class FakeWriter:
    def __init__(self, text):
        self.text, self.seen = text, None

    def write(self, question, passages):
        self.seen = passages
        return self.text


class BrokenWriter:
    def write(self, question, passages):
        raise TimeoutError("endpoint did not answer")


@pytest.fixture(scope="module")
def extractive(assistant):
    return assistant.ask("コンビニ交付を計画している市は？")


def test_writer_sees_only_retrieved_passages_and_its_valid_citations_are_kept(assistant, extractive):
    writer = FakeWriter("根室市は住民票のコンビニ交付を計画しています [1]。別の話 [99]。")
    answer = assistant.ask("コンビニ交付を計画している市は？", generator=writer)
    assert [p["text"] for p in writer.seen] == [c.hit.text for c in extractive.citations]
    assert answer.writer == "generator"
    assert "[99]" not in answer.answer and "[1]" in answer.answer
    assert [c.hit.chunk_id for c in answer.citations] == [extractive.citations[0].hit.chunk_id]
    assert [c.city for c in answer.cities] == [extractive.citations[0].hit.city]


def test_no_valid_citation_falls_back_to_the_extractive_answer(extractive):
    answer = rewrite(extractive, FakeWriter("どの市も計画しています [42]"))
    assert answer.answer == extractive.answer and answer.writer == "extractive"
    assert answer.citations == extractive.citations and answer.notices


def test_a_failing_endpoint_falls_back(extractive):
    answer = rewrite(extractive, BrokenWriter())
    assert answer.answer == extractive.answer and "TimeoutError" in answer.notices[0]


def test_not_found_answers_never_reach_the_writer(assistant):
    writer = FakeWriter("[1]")
    answer = assistant.ask("市営プールの営業時間を教えてください", generator=writer)
    assert not answer.found and writer.seen is None
