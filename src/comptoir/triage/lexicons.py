"""Hand-written French and English cue lexicons (written for Comptoir, no third-party list).

Patterns are regular expressions matched on :func:`comptoir.triage.text.normalise` output (lower case, no
accents, URLs as ``url``, mentions as ``@user``). Each cue has a name that appears in explanations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# --- urgency cues -------------------------------------------------------------------------------------------
OUTAGE = {
    "fr": r"""
(plus|pas|n'ai plus|j'ai plus|ai pas) (d'|de |d )?(internet|connexion|co|reseau|wifi|wi-fi|ligne|tele|tv|telephone|fibre|adsl|signal|tonalite)\b|(rendez|remettez|retablissez|redonnez|rallumez)[- ](moi |nous )?(la|le|ma|mon|l'|les|nous)|(probleme|pb|soucis?|perte) de (connexion|reseau|co)\b|led rouge|retablir (la|notre|ma) connexion
plus d'?\s?(internet|connexion|reseau|wifi|wi-fi|ligne|tele|tv|television|telephone|tel|fibre|adsl|service|signal|box|freebox|acces)
pas d'?\s?(internet|connexion|reseau|wifi|acces|tonalite|signal)
(aucune?|zero) (connexion|reseau|internet|service|signal|tonalite|acces)
sans (internet|connexion|reseau|wifi|tele|tv|telephone|tel|ligne|fibre|service)
coupure|coupe depuis|coupee?s?|panne|en rade|hors service|\bhs\b|down\b
ne (fonctionne|marche|repond|demarre|s'allume) (plus|pas)|(fonctionne|marche) plus|marche pas|fonctionne pas|rien ne (marche|fonctionne)
bloquee? (a|sur) l'?etape|etape [0-9]|bloquee? sur|box bloquee?|redemarre en boucle|clignote
compte (bloque|desactive|suspendu|pirate)|ligne (suspendue|coupee|resiliee)|carte sim (bloquee|desactivee)
impossible de (se connecter|me connecter|telephoner|appeler|naviguer|regarder)|injoignable|aucun appel
""",
    "en": r"""
(steal|stole|stolen) my (phone )?number|sim swap|no way to (log|sign|get)
no (internet|service|signal|connection|wifi|wi-fi|power|tv|cable|phone service|data|network|access|dial tone)
(internet|service|wifi|network|app|site|website|system|phone|tv|cable|account) (is |has been |went |keeps going )?(down|out|dead)
outage|down again|is down|are down|went down|completely down|blackout
(not|isn't|is not|aren't|wasn't) working|(doesn't|does not|don't|won't|will not|didn't|can't) (work|load|connect|turn on|open|start)
stopped working|keeps (crashing|disconnecting|dropping)|crash(es|ed|ing)?\b
(can't|cannot|can not|unable to|couldn't) (connect|log ?in|sign ?in|access|get online|make calls|call)
locked out|account (locked|suspended|disabled|hacked|compromised|closed)|been hacked|hacked
stranded|stuck (at|in) (the )?(airport|station|gate)|missed (my|our) (flight|connection)|flight (was )?cancel+ed
""",
}
MONEY = {
    "fr": r"""
(compte|boite mail|boite|mail|messagerie|ligne|carte) ([\w-]+ )?(pirate|piratee|hacke|hackee)|usurpation|on a pirate
facture (est |a )?(doublee|double)|doubl(e|ee|ement) (de )?(ma |la )?facture|(voler|vole|volees?|volent) (des |nos |mes )?(infos|donnees|argent)|je paie pas|payer (deux fois|pour rien)|factur\w* (a tort|sans raison)
preleve|prelevement|prelever|debite|debit bancaire|facture deux fois|double (facturation|prelevement)|facture en double
surfactur|trop (paye|percu|facture)|factur(e|ee|es|ation)? (apres|alors que).*(resili|annul)|apres (ma )?resiliation
rembourse|remboursement|pas ete rembourse|argent|arnaque|escroc|escroquerie|fraude|vol(e|es)?\b|frais (injustifies|abusifs|supplementaires)
facture (erronee|fausse|incorrecte|abusive|exorbitante)|erreur de facturation|montant (faux|errone)|on m'a facture
""",
    "en": r"""
(did not|didn't|never) (receive|get) (my|the|our) (food|meal|refund|money|credit)
(bill|charge|price) (has |had |have )?(almost |nearly )?doubled|steal|stole\b|paid for (nothing|something i)
(double|over|wrongly|incorrectly|mistakenly)[ -]?charged|charged (me )?(twice|again|for|after|without)|overcharg
charged|billed (twice|again|for|after)|refund|money back|my money|took (my )?money|taken from my|deducted|withdrawn from
fraud|scam|stolen|unauthori[sz]ed|didn't authori[sz]e|charge on my|charges on my|wrong (amount|charge|bill)
""",
}
LEGAL_MEDIA = {
    "fr": r"""
avocat|plainte|porter plainte|tribunal|justice|juridique|huissier|mise en demeure|contentieux|proces\b
ufc|que choisir|60 millions|arcep|dgccrf|mediateur|signal ?conso|cnil|rgpd|journaliste|la presse|les medias|medias\b
fuite de donnees|donnees personnelles|piratage|mon avocat|association de consommateurs|action de groupe
""",
    "en": r"""
lawyer|attorney|\bsue\b|suing|lawsuit|legal action|court|small claims|ombudsman|trading standards|\bbbb\b|better business
\bftc\b|\bfcc\b|regulator|journalist|reporter|the press|the media|news station|go to the news|data breach|\bgdpr\b
""",
}
LEAVE_OR_PUBLIC = {
    "fr": r"""
change(r|ra|rai)? d'operateur|(aller|irai|vais) voir ailleurs|voir ailleurs|perdre mon (emploi|travail|boulot)
resili|je (pars|quitte|m'en vais)|changer d'operateur|change(r)? de (fai|box|forfait chez)|(passer|partir|aller|retourner) chez (orange|sfr|bouygues|sosh|red|b&you|la concurrence|un autre)
bye bye|adieu|dernier mois chez|plus jamais (chez|avec|de chez)|je ne (vous )?(recommande|conseille) (pas|plus|a personne)|je vais (le )?(faire tourner|poster|publier|partager)|tout le monde (va )?saura|je vais faire un scandale|porter l'affaire
""",
    "en": r"""
so done with|i'm done|never (coming back|ordering|shopping)|lose my job|volvere
cancel+(ing)? my|i('m| am| will|'ll) (cancel|leave|leaving|switch|switching|done)|switch(ing)? to|leaving (you|for)|take my business
never (again|using|flying|buying)|never (fly|use|buy|order|book|shop|recommend)\b|(find|use|try|choose|book with) (an)?other (airline|carrier|company|provider|bank|store|brand)|long time before i|done with you|last time i|tell everyone|go viral|goes viral|share this everywhere|spread the word
""",
}
VULNERABLE_SAFETY = {
    "fr": r"""
malentendant|malvoyant|dans (mon|ma|le|la) (plat|repas|nourriture|assiette|sandwich)|teletravail|au secours
personne (agee|age|handicapee|vulnerable|malade)|(ma|mon) (mere|pere|grand-mere|grand-pere|grand mere|grand pere) (de [0-9]+ ans|agee|malade|seule)
handicap|malade|hopital|hospitalis|enceinte|bebe|nourrisson|teleassistance|urgence vitale|assistance respiratoire|oxygene
danger|dangereux|securite|agress|harcel|menace|intoxication|allergi|incendie|fumee|electrocut|blesse|deces|decede|obseques
""",
    "en": r"""
in my (food|meal|drink|burrito|bowl|salad)|hair in|bug in my|raw chicken|undercooked
elderly|old (lady|man|mother|father)|(my|our) (grand)?(mom|mum|mother|dad|father) (is|who is) (8|9)[0-9]|disabled|disability|wheelchair|blind|deaf
pregnant|newborn|baby|medical|medicine|medication|hospital|oxygen|life support|chemo|cancer|carer|caregiver|vulnerable
unsafe|danger|dangerous|assault|harass|threaten|food poisoning|allerg|fire\b|smoke|injur|bleeding|passed away|died|funeral
""",
}
UNANSWERED = {
    "fr": r"""
(0|zero) (reponse|retour)|signe de vie|(on a|j'ai|n'ai) (plus|pas|toujours pas) (de |eu de )?reponses?|ne (font|fait|faites) (absolument )?rien|(avez|ont|ai) beau (leur )?signal|aucun choix ne|[0-9]+ ?h que j'ai|tourner en rond|me raccroch|raccroche au nez|toujours pas (de )?(solution|technicien|retour|reponse)
(toujours|encore) (pas|aucune?) (de )?(reponse|retour|nouvelles)|pas de (reponse|retour)|aucune? (reponse|retour)|sans (reponse|retour|nouvelles)
personne ne (me )?(repond|rappelle)|jamais rappele|ne repondez (pas|jamais)|vous ne repondez|repondez|relance|je relance|relancer
[0-9]+ (appels|mails|courriers|messages|tweets|fois|relances)|(plusieurs|trois|quatre|cinq|dix) (appels|mails|messages|fois|relances)
j'attends toujours|toujours rien|toujours en attente|injoignable|impossible (de vous joindre|de joindre)|le service client ne
""",
    "en": r"""
(dont|don't|do not|didn't|did not|never|won't|wont) (respond|reply|answer|call back|get back|pick up)|no one (is )?(answering|picking up)|nobody (is )?(answering|picking up)
heard (nothing|zero)|or not ?[?!.]*$|(have|has) not heard|not heard (anything|back)|no help|no one (has )?(helped|contacted)|been on hold|on hold for|hours on hold|nobody (has )?(helped|contacted)
no (response|reply|answer|one (answers|replies|responds|called back|got back))|(still|yet) (no|not|waiting|haven't)|haven't (heard|had|received) (back|a reply|a response|anything)
(hangs?|hung) up on (me|us)|nobody (answers|replies|responds|called|gets back)|no one (answers|replies|responds|called|gets back)|ignor(ed|ing)|never (called|got) back|no call back
[0-9]+ (calls|emails|tweets|dms|times|messages|attempts)|(several|three|four|five|multiple|many) (calls|emails|tweets|dms|times|messages|attempts)|third time|again and again
""",
}
DURATION = {
    "fr": r"""
depuis (plus de |presque |bientot |deja |\+ de )?([0-9]+|deux|trois|quatre|cinq|six|sept|huit|dix|quinze|plusieurs) ?(jours|semaines|mois|j|h|heures)\b
depuis (hier|ce matin|cette nuit|la semaine|le [0-9]+|samedi|dimanche|lundi|mardi|mercredi|jeudi|vendredi|[0-9]+ ?h)
(ca fait|cela fait|fait) (plus d'|plus de |pres d'|presque )?(une?|deux|trois|quatre|[0-9]+) ?(jours?|semaines?|mois|h|heures)|[0-9]+ (jours?|semaines?|mois) (que|sans)
""",
    "en": r"""
(for|over|in) (almost |nearly |more than )?([0-9]+|two|three|four|five|six|seven|ten|several) (days|weeks|months|hours)|since (yesterday|last week|monday|tuesday|wednesday|thursday|friday|saturday|sunday)
""",
}

# --- intent cues --------------------------------------------------------------------------------------------
PROBLEM = {
    "fr": r"""
enfer|bougez|revoyez|un effort|sans (webmail|mail|messagerie|tele|wifi|reseau|internet|connexion)|(mene|mener|menez) en bateau|on nous prend|pris pour des|foutez|arnaque|se moque|se moquer
impossible de|je n'arrive (pas|plus)|j'?arrive (pas|plus) a|je ne peux (pas|plus)|on ne peut (pas|plus)|(je|on) (peux|peut) (pas|plus) (me |m')?[a-z]+|pas moyen de|je ne parviens (pas|plus)|toujours (en attente|rien|bloque|le meme)|il y a [0-9]+ (jours|semaines|mois)|mensonge|publicite mensongere|pas venu|jamais venu|pas passe
ou (est|sont) (mon|ma|mes|le|la|les) (commande|colis|remboursement|livraison|argent|carte|technicien)|pourquoi (je n'ai|je ne|ma|mon|mes|c'est|ca|on|vous|il n'y)|c'est quoi ce|qu'est-ce qui se passe|que se passe|urgent|reclamation|plainte
malpoli|impoli|desagreable|froid|sale\b|degueu|defectueu|en retard|pas livre|jamais livre|colis (perdu|abime|jamais)|rupture de stock|ne repond (pas|plus)|ne veut pas|refuse(nt)? de|mal (servi|recu|accueilli)|mauvais (service|accueil)|service (client )?(nul|pourri|inexistant|lamentable)|plus de nouvelles|disparu
probleme|\bpb\b|bug|beug|souci|panne|(a|pour|venir|faire) reparer|lent\b|lente|lenteur|debit|coupe|coupure|deconne|deconnexion|instable|retard|perturbation|incident
toujours pas|impossible|erreur|defaillant|pas recu|jamais recu|annule|pas normal|n'arrive pas|n'arrive plus|saute|bloque
ne (fonctionne|marche|passe) (pas|plus)|rien ne|ca rame|rame\b|plante|ne capte|capte pas|pas de reseau|pas de connexion|idem|pareil|meme (chose|probleme)
""",
    "en": r"""
dropped|disconnect|reconnect|still happening|happening again|(to )?no avail|(didn't|doesn't|does not|did not) help|not helping|price goug|gouging|denied|refused|refusing|off the ground|tarmac|overbooked|bumped|rebooked|misunderstood|not assisted
(unable|not able) to (?!(thank|praise|recommend|wait)\b)|(can't|cannot|couldn't|can not) (?!(wait|get enough|thank|recommend|stop (smiling|laughing)|praise|complain|say enough|fault|beat|go wrong|miss|help but|believe how|express|tell you how)\b)(?!(you|u|we|i) )[a-z]+|hasn'?t|haven'?t|still (in|not|no|waiting|have not|has not|doesn't|don't|can't|cannot|showing|getting|broken|down|charging|nothing)|inaccurate|incorrect|buffer|cut off|(be|come|is) back (on|up)|hold music|(days|weeks|months) ago|stuck|lied|misleading|false advertising|terribly|paid for|closed my account|no show|didn't show|never showed|half (full|empty)|too (large|small|slim|big|tight|long)|doesn'?t fit
where (is|are|'s) (my|our|the) (order|parcel|package|refund|delivery|money|item|food|luggage|bag|stuff|replacement|card)|why (is|isn't|are|aren't|hasn't|haven't|has|did|didn't|does|doesn't|can't|won't|do|was|wasn't) (my|i|we|you|it|this|the|there|everyone)|what happened to|what the (fuck|hell|heck)|no (sound|audio|picture|video|signal|meat|refund|reply|response)|not (being )?(delivered|received|shipped|accepted|charged|refunded|fixed|resolved)|fleeced|ripped off|bully|urgent|asap|complain
rude|cold (food|fries|burger|meal)|(food|order|fries|burger|coffee) (was|is|were) (cold|wrong|missing|late|raw|stale)|dirty|filthy|stale|subpar|nasty|gross|laggy|lag+s?\b|freez(es|ing)|glitch|unavailable|(won't|wont|will not|doesn't|doesnt|does not|didn't|won't) (help|let me|respond|reply|refund|work|load|turn|charge|sync|update)|overcharg|defective|faulty|leak(s|ing)?\b|expired|out of stock|sold out|smh|wtf|taking forever|on hold|lose (my|our) business|powering off|shut(s|ting)? (off|down)|fell apart|ripped|scratched|cracked|no longer|gone\b|disappeared|terrible service|worst (service|experience|customer)|poor (service|quality)|horrible (service|experience)|bad (service|experience)
problem|issue|bug|broken|slow|delay|late\b(?! (evening|night|afternoon|morning|shift|checkout|check-out))|still waiting|error|fail|wrong|missing|never (received|arrived|got)|(didn't|did not|haven't) (receive|arrive|get)
stop(s|ped)? (working|running|loading|charging|responding|syncing)|(been|keep|kept) waiting|waited (over |more than |for )?([0-9]+|an?|two|three|several) (hours?|hrs?|mins?|minutes|days|weeks)|\byet ?\?|no [a-z]+( [a-z]+)? yet\b
hasn't (arrived|been)|lost|damaged|cancel+ed|(not|isn't|doesn't|don't|won't|can't) (work|load|connect|let)|keeps|fix (this|it)|what is going on|same here|me too
""",
}
VENT = {
    "fr": r"""
inadmissible|honteux|honte|scandale|scandaleux|nul\b|nulle|nuls|pourri|incompetent|incapables?|marre|ras le bol|galere|catastroph|lamentable
n'importe quoi|degueulasse|blague|pitoyable|minable|deplorable|decu|deception|j'en peux plus|chiant|jamais (present|la)|a quoi vous servez
serieusement ?\?|reveillez[- ]vous|(il )?y a (quelqu'un|personne)\b|allo ?\?|(vous|ils) (vous )?(en )?foutez|(vous|ils) s'en (foutez|fichent|foutent)
""",
    "en": r"""
terrible|awful|worst|horrible|ridiculous|unacceptable|disappoint|frustrat|annoy|useless|joke\b|pathetic|disgust|rude|sucks|hate\b|fed up
come on( (now|man|really|seriously))? ?([.,?]|$)|get (it|your act|your shit) together|seriously ?\?|step (it )?up\b|do better\b|(need|needs) to (hire|improve|train|do better|step up)|(you|they) (don't|do not|clearly don't|obviously don't) care|hostage|anyone (there|home|out there|listening)\b|hello ?\?\?
""",
}
INSULT = {
    "fr": r"ntm|pute|encul|connard|connasse|batard|\bfdp\b|ta gueule|ferme(z)? (ta|votre) gueule|guignols|abrutis?|debiles?|bouffons?|cons\b|va te faire",
    "en": r"fuck (you|off)|\bstfu\b|idiots?\b|morons?|clowns|dumbass|asshole|bitch|screw you|go to hell",
}
NEWS = {
    "fr": r"annonce|selon (le|la|les)|d'apres (le|la|les)|rumeur|officiel|communique|breaking|info ?:|[a-z]+ rachete|accord avec|negociations?",
    "en": r"announce|according to|reports? (say|that)|rumou?r|breaking|press release|officially|acquires|acquisition|partnership|deal with",
}
ACK = {
    "fr": r"^(@user )*(ok|okay|oki|d'accord|dac|daccord|entendu|ca marche|ca roule|je vais (essayer|voir|tester)|c'est fait|fait|oui|non|ouais|bien recu|recu|parfait|top|super|lol|mdr|ptdr|haha|bonne (journee|soiree)|a (demain|plus|bientot))( .{0,20})?$",
    "en": r"^(@user )*(ok|okay|k|kk|alright|got it|will do|i will|i'll (try|check|do)|done|just did|did that|yes|yep|yup|yeah|no|nope|nah|sure|cool|lol|lmao|haha|sounds good|noted|fine)( .{0,20})?$",
}
QUESTION = {
    "fr": r"""
comment (faire|puis|on|je|fait)|pourquoi|quand (est-ce|allez|pourr|sera|aur|va|vais|est|faut)|est[- ]ce que|pouvez[- ]vous|pourriez|puis[- ]je|peut[- ]on|je voudrais|je souhaite|j'aimerais
besoin d'(aide|info)|aidez|aide(z)?[- ]moi|svp|s'il vous plait|stp|merci de (me|bien)|renseignement|possible de|quel(le)?s?\b|combien|qui peut
en mp|par mp|en dm|en prive|mon numero|mon identifiant|ma reference|ci-joint
""",
    "en": r"""
how (do|can|to|long|much)|what (is|are|do|does|can)|when (will|is|can|do)|why (is|are|do|does|did|can't)|where (is|are|can|do)|can you|could you|can i|would you
is there|do you|please|help\b|need (help|to|a)|i want to|i'd like|would like|looking for|any way|let me know|dm(ed|'d)?\b|sent you a (dm|message)|my (order|account) number
""",
}
PRAISE = {
    "fr": r"""
(?<!sans )merci|bravo|super\b|genial|top\b|excellent|parfait|felicitations|chapeau|au top|efficace|sympa|content(e)?\b|satisfait|ravi(e)?\b|j'adore|nickel
impeccable|rapide et|tres bon|bon travail|bien joue|un plaisir|agreable|reactif|reactivite|au poil|merci beaucoup|merci pour
""",
    "en": r"""
thank|thanks|\bthx\b|\bty\b|great|awesome|amazing|love\b|loved|excellent|perfect|best\b|appreciate|kudos|shout ?out|props\b|fantastic
wonderful|helpful|brilliant|well done|good job|great job|you rock|you guys rock|impressed|so good|(all )?fixed|sorted|solved|resolved
""",
}
SPAM = {
    "fr": r"""
[0-9]+([,.][0-9]+)? ?(€|euros?) ?(/ ?|par )mois|serie speciale|edition limitee|nouveau forfait|en vente (des|a partir)|disponible (des|a partir)|profitez|rendez-vous sur|inscrivez-vous|lien en bio
gagne[rz]?\b|concours|tirage au sort|jeu[- ]concours|a gagner|code promo|promo\b|promotion|offre (exceptionnelle|speciale|limitee)|-[0-9]+ ?%|bon plan
cliquez|clique ici|abonnez[- ]vous|abonne[- ]toi|suivez[- ]nous|rt (pour|\+)|like (et|\+) rt|partagez (et|pour)|decouvrez|en exclusivite|livraison gratuite
gagner de l'argent|revenus? passif|crypto|bitcoin|forex|trading|investissement garanti|paris sportifs|casino|rencontres? (coquine|gratuite)
""",
    "en": r"""
excited to announce|(we're|we are) (excited|thrilled|proud|happy) to|introducing|now available|available now|learn more|read more|sign up|link in bio|new arrivals|pre-?order
giveaway|win a|to win\b|enter to win|sweepstake|contest|follow (us|me|back)|click (here|the link|link)|discount|promo ?code|coupon|% off|free shipping|limited offer
free followers|crypto|bitcoin|\bnft\b|forex|investment opportunity|dm for (collab|promo)|check out my|subscribe to my|onlyfans|earn \$|make money|work from home
viagra|casino|betting|rt to win|retweet to win|like and (rt|retweet)|shop now|buy now|order now|sign up (now|today)|use code
""",
}

# --- sentiment lexicon (word → valence in [-3, 3]) --------------------------------------------------------
_POS_FR = """
merci:2 bravo:3 super:2 genial:3 top:2 excellent:3 parfait:3 felicitations:3 chapeau:2 efficace:2 sympa:2 content:2 contente:2
satisfait:2 satisfaite:2 ravi:3 ravie:3 adore:3 nickel:2 impeccable:3 rapide:1 bien:1 bon:1 bonne:1 meilleur:2 meilleure:2 beau:1 belle:1
magnifique:3 formidable:3 agreable:2 reactif:2 reactivite:2 plaisir:2 heureux:2 heureuse:2 cool:1 fier:1 fiere:1 aime:2 aimer:1 j'aime:2
enfin:0.5 bonheur:3 joie:2 gentil:2 gentille:2 competent:2 professionnel:1 clair:1 facile:1 gratuit:1 reussi:2 reussite:2 succes:2
bienvenue:1 felicite:2 remercie:2 remercier:2 extra:2 incroyable:2 fantastique:3 merveilleux:3 sublime:3 ideal:2 utile:1 soutien:1
espoir:1 positif:2 positive:2 progres:1 ameliore:1 amelioration:1 innovant:1 propre:1 solidaire:1 solidarite:1 durable:1 bravos:3
bienvenu:1 chance:1.5 gagner:1 gagne:1 victoire:2 vive:2 soutenir:1 soutient:1 soutenons:1 feliciter:2 salue:1.5
saluer:1.5 encourageant:2 encourager:1.5 prometteur:2 reussir:1.5 reussit:1.5 reussie:2 excellente:3 parfaite:3 genial:3 geniale:3
interessant:1.5 interessante:1.5 passionnant:2 inspirant:2 inspiration:1.5 adorable:2.5 magique:2 superbe:3 splendide:3 exceptionnel:2.5
favorable:1.5 benefique:2 efficaces:2 vert:0.5 verte:0.5 propres:1 renouvelable:1 renouvelables:1 bravo:3 chouette:2 marrant:1.5
drole:1.5 rire:1.5 sourire:2 amour:2.5 amoureux:2 ami:1 amis:1 partage:0.5 hourra:2.5 youpi:2.5 vivement:1 ravis:3 heureuse:2
heureux:2 contents:2 satisfaits:2 valeur:0.5 qualite:1 innovation:1 innovante:1 avance:0.5 progresse:1 croissance:0.5 gratuite:1
confiance:1.5 fiable:2 rapidement:1 simple:1 pratique:1.5 merveille:3 merveilleuse:3 top:2 topissime:3 kiffe:2.5 kif:2
""".split()
_NEG_FR = """
aide:0 svp:0 stp:0 service:0 client:0 clients:0 cher:-1 chere:-1 inutilisable:-2.5 injoignables:-2.5
plus:0 moins:0 tout:0 toute:0 tous:0 seul:0 seule:0
probleme:-1.5 bug:-1.5 souci:-1.5 panne:-2 lent:-1.5 lente:-1.5 lenteur:-1.5 coupure:-2 coupe:-1 instable:-1.5 retard:-1.5
inadmissible:-3 honteux:-3 honte:-2.5 scandale:-3 scandaleux:-3 nul:-2.5 nulle:-2.5 nuls:-2.5 pourri:-3 pourris:-3 incompetent:-3
incompetents:-3 incapable:-2.5 incapables:-3 marre:-2.5 galere:-2 impossible:-1.5 erreur:-1.5 defaillant:-2 catastrophe:-3
catastrophique:-3 lamentable:-3 arnaque:-3 escroc:-3 escrocs:-3 voleur:-3 voleurs:-3 mensonge:-2.5 menteur:-2.5 menteurs:-2.5
degueulasse:-3 deception:-2.5 decu:-2.5 decue:-2.5 decevant:-2.5 mecontent:-2.5 mecontente:-2.5 colere:-2.5 enerve:-2.5 furieux:-3
insupportable:-3 horrible:-3 affreux:-3 pire:-3 mauvais:-2 mauvaise:-2 mal:-1 triste:-2 dommage:-1.5 grave:-1.5 inquiet:-1.5
inquietant:-2 peur:-2 danger:-2 dangereux:-2.5 mort:-2 morts:-2 tue:-2 crise:-1.5 pollution:-1.5 polluant:-1.5 catastrophes:-2
chomage:-1.5 echec:-2 faux:-1.5 fausse:-1.5 rien:-0.5 jamais:-1 toujours:-0.3 attente:-1 attendre:-0.5 rame:-2 plante:-1.5
debile:-3 abuse:-2 abusif:-2.5 ridicule:-2.5 absurde:-2 inutile:-2 honteuse:-3 merde:-3 putain:-2 chier:-3 bordel:-2.5 con:-2
cons:-2.5 connerie:-2.5 conneries:-2.5 foutage:-3 gueule:-1.5 zero:-1.5 lamentables:-3 injoignable:-2.5 ignore:-1.5 dramatique:-2.5
fiasco:-3 gachis:-2 menace:-2 attaque:-1.5 contre:-0.5 non:-0.5 bloque:-1.5 bloquee:-1.5 hs:-2 perte:-1.5 perdu:-1.5 perdue:-1.5
inacceptable:-3 intolerable:-3 revoltant:-3 indigne:-3 mediocre:-2.5 rate:-1.5 nuisance:-2 toxique:-2.5 risque:-1 crash:-2
colere:-2.5 furieuse:-3 rage:-2.5 enrage:-3 degoute:-3 degoutee:-3 ecoeure:-3 marre:-2.5 fatigue:-1.5 epuise:-2 stress:-2 angoisse:-2.5
deplorable:-3 desastre:-3 desastreux:-3 menteuse:-2.5 mentir:-2 mensonges:-2.5 voler:-2 vole:-1.5 escroquerie:-3 racket:-3 abus:-2.5
hypocrite:-2.5 hypocrisie:-2.5 idiot:-2.5 stupide:-2.5 imbecile:-3 bete:-1.5 nuls:-2.5 lamentablement:-3 pitoyable:-3 minable:-3
pathetique:-3 inadmissibles:-3 scandaleuse:-3 honteusement:-3 injuste:-2.5 injustice:-2.5 inegalite:-1.5 mepris:-2.5 arrogance:-2
arrogant:-2 polluer:-2 pollue:-2 pollution:-2 destruction:-2.5 detruire:-2.5 detruit:-2.5 massacre:-3 tuer:-3 tues:-2.5 victimes:-2
victime:-2 drame:-2.5 tragique:-3 tragedie:-3 deces:-2.5 mortel:-2.5 mortelle:-2.5 menacee:-1.5 menacees:-1.5 menaces:-2 inquietude:-2
alarmant:-2.5 effrayant:-2.5 terrible:-3 terribles:-3 grave:-2 graves:-2 crises:-1.5 penurie:-2 echecs:-2 rate:-1.5 foire:-2 foirer:-2
panne:-2 pannes:-2 bug:-1.5 bugs:-1.5 lent:-1.5 cher:-1 chere:-1 couteux:-1.5 hausse:-0.5 augmentation:-0.5 taxe:-1 taxes:-1 impot:-0.5
supprime:-1 suppression:-1 fermeture:-1.5 ferme:-0.5 licenciement:-2.5 licenciements:-2.5 chomeurs:-1.5 greve:-1 pire:-3 pires:-3
nul:-2.5 bof:-1.5 mouais:-1 beurk:-2.5 berk:-2.5 pff:-2 pfff:-2 grr:-2 grrr:-2 argh:-2 helas:-2 malheureusement:-2 dommage:-1.5
regrette:-1.5 regret:-1.5 decevoir:-2 decoit:-2 lache:-2 laches:-2 honte:-2.5 insulte:-2.5 insultes:-2.5 mepriser:-2.5 raccroche:-2
attente:-1 attendre:-0.5 attends:-0.5 galere:-2 galerer:-2 galerent:-2 relou:-2 chiant:-2.5 chiante:-2.5 saoule:-2 soule:-2 gave:-2
""".split()
_POS_EN = """
help:0 please:0 want:0 pay:0 credit:0 accept:0 number:0 play:0 award:0 awards:0 save:0 care:0 support:0 share:0
matter:0
expensive:-1.5 overpriced:-2 unusable:-2.5 unreliable:-2 unprofessional:-2.5 inconvenient:-2 inconvenience:-2
thank:2 thanks:2 thx:2 great:2.5 awesome:3 amazing:3 love:3 loved:3 loving:2.5 excellent:3 perfect:3 best:2.5 appreciate:2.5
appreciated:2.5 kudos:3 fantastic:3 wonderful:3 helpful:2.5 brilliant:3 good:1.5 nice:2 happy:2.5 glad:2 pleased:2 impressed:2.5
beautiful:2.5 fun:2 enjoy:2 enjoyed:2 excited:2.5 exciting:2.5 cool:1.5 win:1.5 winner:2 fixed:1.5 sorted:1 resolved:1.5 quick:1
fast:1 easy:1.5 smooth:1.5 friendly:2 polite:1.5 recommend:2 favorite:2 favourite:2 yay:2.5 wow:1.5 super:2 incredible:2.5
outstanding:3 superb:3 lovely:2.5 delighted:3 grateful:2.5 thankful:2.5 cheers:1.5 congrats:2.5 congratulations:2.5 proud:2
hope:1 hopefully:0.5 lucky:1.5 safe:1 comfortable:1.5 worth:1 free:0.5 ready:0.5 like:0.5 likes:0.5 liked:1 better:1 well:0.5
""".split()
_NEG_EN = """
problem:-1.5 issue:-1 issues:-1 bug:-1.5 broken:-2 slow:-1.5 delay:-1.5 delayed:-1.5 late:-1 error:-1.5 failed:-2 fail:-2 fails:-2
wrong:-1.5 missing:-1.5 lost:-1.5 damaged:-2 cancelled:-2 canceled:-2 terrible:-3 awful:-3 worst:-3 horrible:-3 ridiculous:-2.5
unacceptable:-3 disappointed:-2.5 disappointing:-2.5 disappointment:-2.5 frustrated:-2.5 frustrating:-2.5 annoyed:-2.5 annoying:-2.5
useless:-3 joke:-1.5 pathetic:-3 disgusting:-3 disgusted:-3 rude:-2.5 sucks:-3 suck:-2.5 hate:-3 hated:-3 angry:-3 mad:-2 upset:-2.5
sad:-2 bad:-2 poor:-2 poorly:-2 shame:-2 shameful:-3 nightmare:-3 scam:-3 fraud:-3 stolen:-2.5 outage:-2 down:-1 stuck:-2 waiting:-1
wait:-0.5 never:-1 nothing:-0.5 no:-0.5 not:-0.5 cant:-1 can't:-1 won't:-0.5 fuck:-3 fucking:-3 shit:-3 shitty:-3 crap:-3 damn:-2
wtf:-2.5 ugh:-2 smh:-2 incompetent:-3 liar:-3 lies:-2.5 lied:-2.5 ignored:-2.5 ignoring:-2.5 unhelpful:-2.5 kill:-2 killed:-2.5
death:-2.5 dead:-2 die:-2 died:-2.5 sick:-2 ill:-1.5 hurt:-2 pain:-2 worse:-2.5 fear:-2 scared:-2 worried:-2 crisis:-2 attack:-2
war:-2 tired:-1.5 sorry:-0.5 unfortunately:-1.5 sadly:-2 miss:-1 missed:-1.5 boring:-2 stupid:-2.5 idiot:-3 dumb:-2.5 trash:-2.5
garbage:-3 ruined:-3 ruin:-2.5 fault:-1.5 complaint:-2 complain:-2 refund:-1 overcharged:-2.5 charged:-1 crashed:-2 crashing:-2
""".split()

HASHTAG_STEMS = {
    "negative": (
        "suck",
        "fail",
        "angry",
        "worst",
        "hate",
        "fuck",
        "shame",
        "honte",
        "nul",
        "boycott",
        "scam",
        "arnaque",
        "ripoff",
        "never",
        "jamais",
        "disappoint",
        "decu",
        "colere",
        "marre",
        "pourri",
        "time2switch",
    ),
    "positive": (
        "love",
        "best",
        "great",
        "awesome",
        "happy",
        "thank",
        "merci",
        "bravo",
        "top",
        "genial",
        "adore",
    ),
}

# Multi-word expressions scored before single words (their words are then skipped).
PHRASES: dict[str, dict[str, float]] = {
    "fr": {
        "pas mal": 1.5,
        "pas terrible": -1.5,
        "pas top": -1.5,
        "pas genial": -1.5,
        "pas normal": -2.0,
        "pas possible": -1.5,
        "n'importe quoi": -2.5,
        "trop bien": 2.5,
        "trop cool": 2.5,
        "au top": 2.5,
        "de merde": -3.0,
        "a chier": -3.0,
        "bonne journee": 1.0,
        "bonne continuation": 1.5,
        "bon courage": 0.5,
        "pas content": -2.5,
        "pas contente": -2.5,
        "pas satisfait": -2.5,
        "pas satisfaite": -2.5,
        "foutage de gueule": -3.0,
        "se moque": -2.0,
        "se moquer": -2.0,
        "prendre pour des": -2.0,
        "rien a dire": 1.5,
        "rien a redire": 2.0,
        "sans probleme": 1.0,
        "sans souci": 1.0,
        "ca marche": 0.5,
        "c'est regle": 1.5,
        "mille merci": 3.0,
        "grand merci": 3.0,
        "coup de coeur": 2.5,
        "ras le bol": -2.5,
    },
    "en": {
        "not bad": 1.5,
        "no problem": 1.0,
        "no worries": 1.0,
        "well done": 2.5,
        "good job": 2.5,
        "great job": 3.0,
        "not happy": -2.5,
        "not impressed": -2.0,
        "not good": -2.0,
        "not great": -1.5,
        "not working": -2.0,
        "thanks for nothing": -3.0,
        "piece of crap": -3.0,
        "piece of shit": -3.0,
        "fed up": -2.5,
        "sick of": -2.5,
        "tired of": -2.0,
        "never again": -2.5,
        "worst ever": -3.0,
        "can't wait": 2.0,
        "cannot wait": 2.0,
        "look forward": 1.5,
        "looking forward": 1.5,
        "so much fun": 2.5,
        "thank god": 1.0,
    },
}


@lru_cache(maxsize=4)
def phrase_index(lang: str) -> dict[str, list[tuple[tuple[str, ...], str, float]]]:
    """First word → [(words, phrase, valence)] for the language (both tables for other languages)."""
    if lang in PHRASES:
        table = {**_own_file_phrases(lang), **PHRASES[lang]}
    else:
        table = {**_own_file_phrases("en"), **PHRASES["en"], **_own_file_phrases("fr"), **PHRASES["fr"]}
    index: dict[str, list[tuple[tuple[str, ...], str, float]]] = {}
    for phrase, value in table.items():
        parts = tuple(phrase.split())
        index.setdefault(parts[0], []).append((parts, phrase, value))
    for candidates in index.values():
        candidates.sort(key=lambda item: -len(item[0]))  # "honte a vous" before "honte a"
    return index


POSITIVE_EMOJI = set("😀😃😄😁😊🙂😍🥰❤💕💖💙💚💛🧡💜👍👏🙏🎉✨💯😘😎🤩🥳🌟⭐☺😇🤗💪🙌😂🤣")
NEGATIVE_EMOJI = set("😡😠🤬😤😢😭😞😩😫👎💩🙄😒😑🤦😔😟😕☹😖😣😰😱💔😪")
POSITIVE_EMOTICONS = re.compile(r"(?:(?<=\s)|^)(?:[:;=]-?[\)\]dp]|<3|\^\^|\^_\^)(?!\w)")
NEGATIVE_EMOTICONS = re.compile(r"(?:(?<=\s)|^)(?:[:;=]'?-?[\(\[/\\]|>:\(|:-?\|)(?!\w)")

NEGATORS = {
    "fr": frozenset({"pas", "jamais", "aucun", "aucune", "sans", "ni", "rien", "personne", "guere"}),
    "en": frozenset(
        {
            "not",
            "no",
            "never",
            "without",
            "nothing",
            "nobody",
            "hardly",
            "isn't",
            "don't",
            "doesn't",
            "didn't",
            "won't",
            "can't",
            "cannot",
            "wasn't",
            "aren't",
            "haven't",
            "hasn't",
            "couldn't",
        }
    ),
}
INTENSIFIERS = {
    "fr": frozenset(
        {"tres", "trop", "vraiment", "tellement", "super", "hyper", "completement", "totalement", "grave"}
    ),
    "en": frozenset(
        {"very", "so", "really", "extremely", "totally", "completely", "absolutely", "super", "too"}
    ),
}


def _parse_valences(*groups: list[str]) -> dict[str, float]:
    table: dict[str, float] = {}
    for group in groups:
        for item in group:
            word, _, value = item.rpartition(":")
            table[word] = float(value)
    return table


OWN_VALENCE = {"fr": _parse_valences(_POS_FR, _NEG_FR), "en": _parse_valences(_POS_EN, _NEG_EN)}
LEXICON_DATA = Path(__file__).resolve().parent / "lexicon_data"
# Third-party lexicons (see lexicon_data/LICENSES.md) and the factor that maps them onto our -3..3 scale.
EXTERNAL = {"en": ("vader_en.txt", 0.75), "fr": ("pattern_fr.txt", 2.5)}


# Our own larger lexicons (written for Comptoir): term<TAB>valence in [-3, 3]; multi-word terms become phrases.
OWN_FILES = {"fr": "comptoir_fr.txt"}


@lru_cache(maxsize=4)
def _own_file(lang: str) -> dict[str, float]:
    name = OWN_FILES.get(lang)
    path = LEXICON_DATA / name if name else None
    if path is None or not path.exists():
        return {}
    table: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        term, _, value = line.partition("\t")
        table[" ".join(term.lower().split())] = max(-3.0, min(3.0, float(value)))
    return table


def _own_file_phrases(lang: str) -> dict[str, float]:
    return {term: value for term, value in _own_file(lang).items() if " " in term}


# Pattern's French adjectives give polarities to very common, polysemous words ("sur", "tout", "dernier",
# "premier", "presse"...): those are dropped unless one of our own lexicons scores them.
COMMON_WORD_ZIPF = {"fr": 4.0}


def _too_common(lang: str) -> frozenset[str]:
    limit = COMMON_WORD_ZIPF.get(lang)
    if limit is None:
        return frozenset()
    import wordfreq

    from comptoir.triage.text import strip_accents

    common = {
        strip_accents(word)
        for word, freq in wordfreq.get_frequency_dict(lang, "small").items()
        if freq >= 10 ** (limit - 9)  # zipf = log10(frequency per billion words)
    }
    return frozenset(common)


# Words that are mostly company names in care traffic ("United", "Amazon", "Spirit" airlines): no valence.
COMPANY_NAMES = {"en": frozenset({"united", "amazon", "spirit"})}


def _read_external(lang: str) -> dict[str, float]:
    name, factor = EXTERNAL[lang]
    skip = _too_common(lang) | COMPANY_NAMES.get(lang, frozenset())
    table: dict[str, float] = {}
    for line in (LEXICON_DATA / name).read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        word, _, value = line.partition("\t")
        if word.lower() in skip:
            continue
        table[word.lower()] = float(value) * factor
    return table


@lru_cache(maxsize=4)
def _valence(lang: str) -> dict[str, float]:
    table = _read_external(lang)
    table.update({term: value for term, value in _own_file(lang).items() if " " not in term})
    table.update(OWN_VALENCE[lang])
    return table


CUE_TABLES: dict[str, dict[str, str]] = {
    "outage": OUTAGE,
    "money": MONEY,
    "legal_media": LEGAL_MEDIA,
    "leave_or_public": LEAVE_OR_PUBLIC,
    "vulnerable_safety": VULNERABLE_SAFETY,
    "unanswered": UNANSWERED,
    "duration": DURATION,
    "problem": PROBLEM,
    "vent": VENT,
    "insult": INSULT,
    "news": NEWS,
    "ack": ACK,
    "question": QUESTION,
    "praise": PRAISE,
    "spam": SPAM,
}
CUE_NAMES: tuple[str, ...] = tuple(CUE_TABLES)


@dataclass(frozen=True, slots=True)
class CueHit:
    cue: str
    match: str


def _compile(source: str) -> re.Pattern[str]:
    parts = [line.strip() for line in source.strip().splitlines() if line.strip()]
    alternatives = "|".join(f"(?:{part})" for part in parts)
    return re.compile(rf"(?:(?<=\W)|^)(?:{alternatives})", re.IGNORECASE)


def _cue_languages(lang: str) -> tuple[str, ...]:
    """A third language is read with both the French and the English cues."""
    return ("fr", "en") if lang not in ("fr", "en") else (lang,)


@lru_cache(maxsize=8)
def compiled(lang: str) -> dict[str, re.Pattern[str]]:
    """Compiled cue patterns for ``fr`` or ``en``; any other language gets both."""
    langs = _cue_languages(lang)
    out: dict[str, re.Pattern[str]] = {}
    for name, table in CUE_TABLES.items():
        out[name] = _compile("\n".join(table[code] for code in langs))
    return out


_NO_PROBLEM = re.compile(
    r"\b(no|not a|any) (problem|problems|issue|issues|worries)\b|\b(pas|aucun|sans) (de )?(probleme|souci)s?\b"
    r"|\b(resolved|fixed|solved|sorted( out)?) (my|the|our|all my|all our|this) (problem|issue)s?\b"
    r"|\b(regle|resolu|repare) (mon|le|notre|mes|nos|ce) (probleme|souci|pb)s?\b"
)
# Contractions typed without their apostrophe ("cant login", "doesnt work"); English only ("dont" is French).
_BARE_CONTRACTION = re.compile(
    r"\b(can|don|doesn|didn|isn|wasn|aren|weren|haven|hasn|hadn|won|wouldn|couldn)t\b"
)


# Praise words right after a negation are no praise ("not helpful", "pas top", "never great").
_NEGATED = re.compile(
    r"\b(not|non|never|hardly|isn't|wasn't|aren't|weren't|don't|doesn't|didn't|pas|jamais|guere)"
    r"( (very|so|really|that|too|at all|tres|vraiment|si|assez|super|du tout))?[ -][a-z'-]+"
)
# Thanks or applause for something bad ("thanks for ruining my trip", "merci pour rien"): sarcasm, not praise.
# Not a cue of the model (not in CUE_TABLES): it rewrites the praise cue and the lexicon balance.
SARCASM = {
    "fr": r"""
(merci|bravo|chapeau|super|genial|felicitations)\b[^.!?]{0,40}?\b(pour rien|pour (la|cette|ces|les|vos) (coupures?|pannes?|galeres?|bugs?|attentes?)\b|de (nous|me) laisser sans)
c'est du propre\b|encore (merci|bravo) (pour|a) (rien|vous)\b
""",
    "en": r"""
(thanks|thank you|thx|great job|nice job|good job|well done|way to go|kudos|love how)\b(?![^.!?]*\bbut\b)[^.!?]{0,50}?\b(for nothing|ruin(s|ed|ing)?|wast(e|ed|ing)|screw(ed|ing)|not (helpful|worth)|non[- ]?helpful|unhelpful|useless|(making|leaving|keeping) (me|us) (wait|stuck|stranded|without))\b
(?<!thanks )(?<!thank you )(?<!thank u )(?<!thx )(?<!so )so much for\b|oh (great|joy|wonderful|goody)\b|yeah right\b|just what i (needed|wanted)\b|love that for me\b
""",
}


@lru_cache(maxsize=8)
def _sarcasm(lang: str) -> re.Pattern[str]:
    langs = _cue_languages(lang)
    return _compile("\n".join(SARCASM[code] for code in langs))


def find_cues(norm: str, lang: str) -> dict[str, str]:
    """Map each cue that fires to the first text it matched (explanations quote it)."""
    norm = _NO_PROBLEM.sub(" ", norm)
    if lang == "en":
        norm = _BARE_CONTRACTION.sub(r"\1't", norm)
    hits: dict[str, str] = {}
    for name, pattern in compiled(lang).items():
        found = pattern.search(_NEGATED.sub(" ", norm) if name == "praise" else norm)
        if found:
            hits[name] = found.group(0).strip()
    if "question" not in hits and "?" in norm:
        hits["question"] = "?"
    sarcastic = _sarcasm(lang).search(norm)
    if sarcastic:
        hits["sarcasm"] = sarcastic.group(0).strip()
        hits.pop("praise", None)
    return hits


def valence_table(lang: str) -> dict[str, float]:
    if lang in ("fr", "en"):
        return _valence(lang)
    return _merged()


@lru_cache(maxsize=1)
def _merged() -> dict[str, float]:
    merged = dict(_valence("en"))
    merged.update(_valence("fr"))
    return merged
