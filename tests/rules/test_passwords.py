from app.rules.passwords import SLIP_ALPHABET, generate_password, password_problems


def test_short_password_is_refused():
    assert password_problems("ab12") != []


def test_password_without_digits_is_refused():
    assert password_problems("Пароль-без-цифр") != []


def test_password_containing_the_login_is_refused():
    assert password_problems("ivanov2026", username="ivanov") != []


def test_cyrillic_letters_and_digits_are_accepted():
    assert password_problems("Школа2026!") == []


def test_generated_passwords_pass_the_policy_and_avoid_ambiguous_characters():
    for _ in range(200):
        password = generate_password()
        assert password_problems(password) == []
        assert set(password) <= set(SLIP_ALPHABET)
        assert not set(password) & set("0O1lI")
