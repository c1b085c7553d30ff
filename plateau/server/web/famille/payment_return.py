"""The page a family's browser lands on back from the payment provider, in the portal's look.

Apart from `money.py` (which calls the family API's top-up route): the API's return route renders
this page, and the portal's pages call the API, so neither imports the other.
"""

from __future__ import annotations

from fastapi import Request

from plateau.server.web.famille.deps import render_page, words

RETURN_WORDS = {
    "credited": "Payment received: the balance is credited.",
    "already_credited": "Payment received: the balance is credited.",
    "pending": "Payment being confirmed by the bank: the balance will be credited as soon as it confirms.",
    "refused": "The payment did not go through: nothing was debited or credited.",
    "rejected": "This payment answer could not be verified: nothing was credited.",
}


def return_page(request: Request, outcome: str):
    """Where the family's browser lands back from the provider (`/api/v1/family/top-ups/{site}/return`,
    which verifies the answer like a notification first): what happened, in the portal's look."""
    return render_page(request, "famille/payment_return.html",
                       {"outcome": outcome, "said": words(request)(RETURN_WORDS[outcome])})
