"""How long a text is as SMS: GSM-7 or UCS-2, segments at the boundaries, shortening on purpose."""

import pytest

from solidarity.messaging.sms.text import GSM_BASIC, GSM_EXTENSION, encoding, fit, gsm_friendly, segments


def test_gsm_table_has_the_128_codes_and_the_ten_extension_characters() -> None:
    assert len(GSM_BASIC) == 128
    assert GSM_BASIC[0x00] == "@"
    assert GSM_BASIC[0x05] == "é"
    assert GSM_BASIC[0x1F] == "É"
    assert GSM_BASIC[0x40] == "¡"
    assert GSM_BASIC[0x60] == "¿"
    assert GSM_BASIC[0x7D] == "ñ"
    assert set(GSM_EXTENSION) == set("\f^{}\\[~]|€")


@pytest.mark.parametrize(("length", "expected"), [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)])
def test_gsm_text_takes_160_alone_then_153_a_segment(length: int, expected: int) -> None:
    text = "a" * length

    assert encoding(text) == "GSM-7"
    assert segments(text) == expected


@pytest.mark.parametrize(("length", "expected"), [(70, 1), (71, 2), (134, 2), (135, 3)])
def test_ucs2_text_takes_70_alone_then_67_a_segment(length: int, expected: int) -> None:
    text = "á" + "a" * (length - 1)

    assert encoding(text) == "UCS-2"
    assert segments(text) == expected


def test_extension_characters_count_double() -> None:
    assert encoding("€[]{}^~\\|") == "GSM-7"
    assert segments("€" * 80) == 1
    assert segments("€" * 81) == 2
    assert segments("a" * 159 + "[") == 2


def test_an_escape_sequence_is_never_split_across_segments() -> None:
    # 306 septets would be two segments, but the euro cannot straddle the first boundary.
    text = "a" * 152 + "€" + "a" * 152

    assert segments(text) == 3


def test_emoji_take_two_ucs2_units() -> None:
    assert segments("👍" * 35) == 1
    assert segments("👍" * 36) == 2


def test_one_spanish_acute_accent_switches_the_message_to_ucs2() -> None:
    text = "Hay una redada en la zona norte. ¿Puede ir? Responda VOY o NO."
    assert encoding(text) == "GSM-7"

    assert encoding(text.replace("redada", "redáda")) == "UCS-2"
    assert encoding("Está cubierto") == "UCS-2"


def test_letters_gsm_has_keep_the_message_gsm7() -> None:
    assert encoding("é É ñ Ñ ü Ü à è ì ò ù Ç Ä Ö Å ¿ ¡ §") == "GSM-7"


def test_gsm_friendly_strips_the_accents_gsm_lacks_and_keeps_the_rest() -> None:
    text = "¿Está usted en la reunión? Sí: ÁÍÓÚ áíóú, pingüino, niño, café, Él"

    friendly = gsm_friendly(text)

    assert friendly == "¿Esta usted en la reunion? Si: AIOU aiou, pingüino, niño, café, Él"
    assert encoding(friendly) == "GSM-7"


def test_gsm_friendly_turns_typographic_punctuation_plain() -> None:
    assert gsm_friendly("“Ya está” — dijo…") == '"Ya esta" - dijo...'


def test_gsm_friendly_leaves_what_has_no_plain_twin() -> None:
    assert encoding(gsm_friendly("Gracias 🙏")) == "UCS-2"


def test_fit_leaves_a_text_that_fits() -> None:
    text = "a" * 160

    assert fit(text, 1) == text


def test_fit_cuts_at_a_word_boundary_with_a_gsm_ellipsis() -> None:
    text = "Alerta: " + "redada en la zona norte " * 10

    short = fit(text, 1)

    assert segments(short) == 1
    assert short.endswith("...")
    assert text.startswith(short.removesuffix("..."))
    assert text[len(short) - 3] == " "
    assert encoding(short) == "GSM-7"
    assert len(short) > 150


def test_fit_uses_the_unicode_ellipsis_when_the_text_is_ucs2_anyway() -> None:
    text = "Reunión mañana " * 10

    short = fit(text, 1)

    assert short.endswith("…")
    assert segments(short) == 1


def test_fit_to_two_segments_fills_them() -> None:
    text = "palabra " * 100

    short = fit(text, 2)

    assert segments(short) == 2
    assert len(short) > 290


def test_fit_cuts_inside_a_word_only_when_there_is_no_boundary() -> None:
    text = "x" * 400

    short = fit(text, 1)

    assert short == "x" * 157 + "..."


def test_fit_refuses_zero_segments() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        fit("hola", 0)
