from index.tokenize import tokenize, tokenize_many


def test_content_words_are_kept_and_particles_dropped():
    assert tokenize("コンビニで住民票を取れるようにする計画") == ["コンビニ", "住民", "票", "取れる", "計画"]


def test_numbers_and_latin_words_are_kept_lowercased():
    terms = tokenize("Society 5.0 と ICT、令和4年度")
    assert {"society", "5", "ict", "令和", "4", "年度"} <= set(terms)


def test_pdf_spaces_do_not_split_words():
    assert tokenize("マイナンバー カードの利活用") == tokenize("マイナンバーカードの利活用")


def test_verbs_meet_in_their_dictionary_form():
    assert "取れる" in tokenize("住民票が取れない") and "取れる" in tokenize("住民票が取れた")


def test_empty_and_symbol_only_text():
    assert tokenize("") == [] and tokenize("、。！？") == []


def test_worker_processes_tokenize_as_this_process_does_in_order(docs):
    from corpus.chunk import chunk_documents

    texts = [c.text for c in chunk_documents(docs)]  # the five plans' 419 chunks, as one large build sends them
    assert list(tokenize_many(texts, workers=2)) == [tokenize(t) for t in texts]
    assert list(tokenize_many(texts[:3])) == [tokenize(t) for t in texts[:3]]  # small: in this process
    assert list(tokenize_many([], workers=2)) == []
