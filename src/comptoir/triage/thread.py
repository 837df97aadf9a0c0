"""Reading a reply in its thread: what did the brand's message ask, and does the customer say yes or no?

Short replies in a support thread mean little alone ("yes", "no still the same", "0612345678"): the brand's
message they answer decides (annotation convention of the care gold set). Two kinds of brand questions matter:
- ``details``: the agent asked for information (a DM, an account, order or phone number, an address) → the
  customer's short answer gives them: a request;
- ``check``: the agent asked whether it works now / whether the problem is still there → "yes, thanks" is praise
  (or a plain acknowledgement), "no" or a reported problem means the complaint goes on.
"""

from __future__ import annotations

import re
from typing import Literal

from comptoir.triage.text import normalise

BrandAsk = Literal["details", "check"]

_DETAILS = re.compile(
    r"\b(dm|direct message|private message|send us|could you (send|share|give|tell|confirm|provide)|can you (send|share"
    r"|give|tell|confirm|provide)|please (send|share|provide|confirm|follow)|(account|order|booking|reference|case"
    r"|phone|tracking|serial|confirmation) (number|no|#)|your (postcode|zip|address|email|full name|details)"
    r"|en (mp|dm|prive)|message prive|envoyez[- ]nous|pourriez[- ]vous (nous )?(envoyer|communiquer|donner|indiquer"
    r"|preciser|confirmer)|pouvez[- ]vous (nous )?(envoyer|communiquer|donner|indiquer|preciser|confirmer)"
    r"|(votre|ton) (numero|identifiant|reference|adresse|code postal|email|mail|nom)|numero (de )?(commande|client"
    r"|ligne|dossier|telephone))\b"
)
_CHECK = re.compile(
    r"\b((is|are|does|do) (it|everything|things|your \w+|the \w+) (working|back|ok|okay|fixed|resolved|sorted|better)"
    r"|still (having|experiencing|seeing|getting|facing) (the |this |that |any )?(issue|problem|trouble)s?"
    r"|(has|have) (it|this|that|the issue|the problem) (been )?(resolved|fixed|sorted)|did (that|this|it) (help|work|fix)"
    r"|any better|all sorted|(ca|cela|le service|la connexion|votre \w+) (fonctionne|remarche|marche)[- ](t[- ]il|t[- ]elle"
    r"|a nouveau|de nouveau|mieux)?|est[- ]ce (que )?(c'est|ca|tout) (regle|resolu|revenu|retabli|rentre dans l'ordre"
    r"|fonctionne|bon)|(le probleme|la panne|le souci) (est[- ]il|persiste)|toujours (le meme )?(probleme|souci|panne)"
    r"|avez[- ]vous (toujours|encore) (le|ce|un) (probleme|souci))\b"
)
_YES = re.compile(
    r"^(@user )*(yes|yep|yup|yeah|yea|all good|all sorted|works|it works|working|it's working|fixed|sorted|perfect"
    r"|oui|ouais|c'est bon|ca marche|ca fonctionne|ca remarche|tout est rentre|c'est regle|c'est resolu|parfait"
    r"|nickel|impeccable)\b"
)
_NO = re.compile(
    r"^(@user )*(no|nope|nah|not really|not yet|still|same|non|toujours|pas (encore|vraiment|du tout)|rien"
    r"|negatif|idem|pareil)\b"
)


def brand_asked(brand_text: str | None) -> BrandAsk | None:
    """What the brand's message asked the customer, if anything this module reads."""
    if not brand_text:
        return None
    norm = normalise(brand_text)
    if _CHECK.search(norm):
        return "check"
    if _DETAILS.search(norm):
        return "details"
    return None


def answer(norm: str) -> Literal["yes", "no"] | None:
    """A yes or no at the start of the customer's normalised reply."""
    if _NO.search(norm):
        return "no"
    if _YES.search(norm):
        return "yes"
    return None
