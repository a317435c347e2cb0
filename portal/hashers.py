"""The hasher of the first passwords a manager hands out (roster imports, resets).

A first password is 12 random characters of a 31-letter alphabet (about 59 bits: portal.accounts),
shown once and good for one login, at which the person must choose their own; at that login Django
hashes the chosen password with the default hasher (PBKDF2, 1,000,000 rounds). Against 59 random
bits 20,000 rounds are plenty (an offline guesser at 10^9 SHA-256 a second needs 10^4 years), and
they make a roster of 2,000 new people cost seconds instead of a quarter of an hour (0.4 s a hash).
A person's own passwords never use this hasher: it is listed after the default, so Django only
checks with it (and upgrades at the next login), never picks it.
"""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class InitialPasswordHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_initial"
    iterations = 20_000
