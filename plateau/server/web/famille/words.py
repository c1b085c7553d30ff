"""The Espace Famille's words: English in the code, French on screen by default.

`gettext(lang)` is the `_()` of the portal's templates: the portal's own French words first,
then the web foundation's (`i18n_fr.FR`), else the English text (never an error).
"""

from __future__ import annotations

from plateau.server.web.i18n_fr import FR as COMMON

FR = {
    # sign-in, activation, password
    "Family space": "Espace Famille", "The school canteen": "La cantine de l'établissement",
    "Sign in": "Se connecter", "Sign in to the family space": "Connexion à l'Espace Famille",
    "E-mail": "Adresse e-mail", "Password": "Mot de passe", "Forgot your password?": "Mot de passe oublié ?",
    "First visit: activate your account with the school's code":
        "Première visite : activez votre compte avec le code de l'établissement",
    "Too many failed attempts. Try again in {n} min.": "Trop d'essais manqués. Réessayez dans {n} min.",
    "Wrong e-mail or password.": "Adresse e-mail ou mot de passe incorrect.",
    "Your password is set: sign in with it.": "Votre mot de passe est enregistré : connectez-vous avec lui.",
    "Activate your account": "Activer votre compte",
    "Type the code the school gave you (e-mail or letter) and choose your password.":
        "Saisissez le code donné par l'établissement (e-mail ou courrier) et choisissez votre mot de passe.",
    "Code": "Code", "E-mail (only with a printed letter's code)":
        "Adresse e-mail (seulement avec le code d'un courrier)",
    "New password (10 characters or more)": "Nouveau mot de passe (10 caractères ou plus)",
    "The same password again": "Le même mot de passe, à nouveau", "Save the password": "Enregistrer le mot de passe",
    "Back to sign-in": "Retour à la connexion", "New password": "Nouveau mot de passe",
    "Type the code received by e-mail and choose a new password.":
        "Saisissez le code reçu par e-mail et choisissez un nouveau mot de passe.",
    "Type your e-mail: you will receive a code to choose a new password.":
        "Saisissez votre adresse e-mail : vous recevrez un code pour choisir un nouveau mot de passe.",
    "Send me a code": "M'envoyer un code", "I have the code": "J'ai le code",
    "If this address is known to the school, an e-mail with a code is on its way (valid one hour).":
        "Si cette adresse est connue de l'établissement, un e-mail avec un code vous est envoyé (valable une heure).",
    "The two passwords differ.": "Les deux mots de passe sont différents.",
    "A password has 10 to 200 characters.": "Un mot de passe a de 10 à 200 caractères.",
    "The current password is wrong.": "Le mot de passe actuel est incorrect.",
    "Your password is changed.": "Votre mot de passe est changé.",
    "This code is unknown, already used or expired: ask the school for a new one.":
        "Ce code est inconnu, déjà utilisé ou expiré : demandez-en un nouveau à l'établissement.",
    "Too many wrong codes. Try again in a few minutes.": "Trop de codes erronés. Réessayez dans quelques minutes.",
    "This e-mail address already has an account: sign in with it, or use another address.":
        "Cette adresse a déjà un compte : connectez-vous avec elle, ou choisissez une autre adresse.",
    "This code comes from a letter: give the e-mail address you will sign in with.":
        "Ce code vient d'un courrier : indiquez l'adresse e-mail avec laquelle vous vous connecterez.",
    "This account has no pupil any more.": "Ce compte n'a plus d'élève.",
    "Too many requests. Try again in a few minutes.": "Trop de demandes. Réessayez dans quelques minutes.",
    "Check the e-mail address.": "Vérifiez l'adresse e-mail.",
    "This form has expired or did not come from this site. Reload the page and try again.":
        "Ce formulaire a expiré ou ne vient pas de ce site. Rechargez la page et recommencez.",
    "No pupil is linked to this account any more.": "Aucun élève n'est plus rattaché à ce compte.",
    "This pupil is not one of your children.": "Cet élève n'est pas l'un de vos enfants.",
    # navigation and home
    "Home": "Accueil", "Bookings": "Réservations", "Passages": "Passages", "Account statement": "Relevé de compte",
    "Menus": "Menus", "Top up": "Recharger", "My account": "Mon compte", "Child": "Enfant",
    "Switch child": "Changer d'enfant", "Hello": "Bonjour",
    "Online payment of {amount} for {name}: waiting for the bank's confirmation.":
        "Paiement en ligne de {amount} pour {name} : en attente de la confirmation de la banque.",
    "Balance on {day}": "Solde au {day}", "The balance is negative: please top up.":
        "Le solde est négatif : pensez à recharger.",
    "Today": "Aujourd'hui", "Tomorrow": "Demain", "no meal service": "pas de service",
    "Not booked yet: book before {when}.": "Pas encore réservé : réservez avant {when}.",
    "{day} at midnight": "{day} à minuit", "{day} at {time}": "{day} à {time}",
    "Latest passages": "Derniers passages", "No passage in the last 31 days.": "Aucun passage ces 31 derniers jours.",
    "Book meals": "Réserver des repas",
    # calendar
    "booked (can be cancelled)": "réservé (annulable)", "booked (cannot be cancelled)": "réservé (non annulable)",
    "bookable": "réservable", "not bookable": "non réservable", "closed": "fermé",
    "Booking/cancelling deadline:": "Heure limite de réservation/annulation :",
    "{time} for today": "{time} pour aujourd'hui", "{n} days before, at {time}": "{n} jours avant, à {time}",
    "midnight, the night before": "minuit, la veille au soir", "the day before at {time}": "la veille à {time}",
    "Next deadline: {when}, for {day}.": "Prochaine limite : {when}, pour le {day}.",
    "Bookings open until {day}.": "Réservations ouvertes jusqu'au {day}.",
    "Meal": "Repas", "Show": "Afficher", "Months": "Mois", "previous month": "mois précédent",
    "next month": "mois suivant", "Meals of {month}: tap a day to book or cancel":
        "Repas de {month} : touchez un jour pour réserver ou annuler",
    "Mon": "lun", "Tue": "mar", "Wed": "mer", "Thu": "jeu", "Fri": "ven", "Sat": "sam", "Sun": "dim",
    "January": "janvier", "February": "février", "March": "mars", "April": "avril", "May": "mai", "June": "juin",
    "July": "juillet", "August": "août", "September": "septembre", "October": "octobre", "November": "novembre",
    "December": "décembre",
    "Monday": "lundi", "Tuesday": "mardi", "Wednesday": "mercredi", "Thursday": "jeudi", "Friday": "vendredi",
    "Book": "Réserver", "Cancel": "Annuler", "Booked: {day}.": "Réservé : {day}.",
    "Cancelled: {day}.": "Annulé : {day}.",
    "The booking deadline for this day has passed.": "L'heure limite de réservation est passée pour ce jour.",
    "This day is beyond the period open for bookings.": "Ce jour est au-delà de la période ouverte aux réservations.",
    "The canteen is closed that day.": "La cantine est fermée ce jour-là.",
    "Your child is not at the canteen that day.": "Votre enfant n'est pas inscrit à la cantine ce jour-là.",
    "This meal was not booked.": "Ce repas n'était pas réservé.",
    "This request cannot be done.": "Cette demande ne peut pas être faite.",
    "Week pattern: the result": "Réservation à la semaine : le résultat",
    "Days not done, and why:": "Jours non faits, et pourquoi :", "Days done:": "Jours faits :",
    "Book every week (e.g. every Monday and Thursday until …)":
        "Réserver chaque semaine (par ex. tous les lundis et jeudis jusqu'au …)",
    "Every": "Tous les", "from": "du", "until": "jusqu'au", "every other week": "une semaine sur deux",
    "Action": "Action", "book": "réserver", "cancel": "annuler", "Apply": "Appliquer",
    "booked": "réservé", "cancelled": "annulé", "already booked": "déjà réservé", "was not booked": "n'était pas réservé",
    "{n} meals booked.": "{n} repas réservés.", "{n} meals cancelled.": "{n} repas annulés.",
    "Choose at least one weekday and the last day.": "Choisissez au moins un jour de la semaine et le dernier jour.",
    "Choose at least one weekday, and a last day within a year.":
        "Choisissez au moins un jour de la semaine, et un dernier jour à moins d'un an.",
    "Latest changes": "Dernières modifications", "on the web by {who}": "sur le web par {who}",
    "by the school": "par l'établissement", "on {when}": "le {when}", "No change yet.": "Aucune modification.",
    # passages, movements, menus
    "The last 31 days, newest first.": "Les 31 derniers jours, du plus récent au plus ancien.",
    "Day": "Jour", "Time": "Heure", "Result": "Résultat", "Balance now": "Solde actuel",
    "Credits and debits of the last three months, newest first, with the balance after each.":
        "Crédits et débits des trois derniers mois, du plus récent au plus ancien, avec le solde après chacun.",
    "Date": "Date", "What": "Opération", "Amount": "Montant", "Balance after": "Solde après",
    "No movement in the last three months.": "Aucun mouvement ces trois derniers mois.",
    "Payment": "Paiement", "Booking": "Réservation", "Cancelled booking": "Réservation annulée",
    "Refund": "Remboursement", "Adjustment": "Régularisation",
    "Menus of the week": "Menus de la semaine",
    "The school has not published this week's menus yet.": "L'établissement n'a pas encore publié les menus de la semaine.",
    # messages from the school
    "Messages": "Messages", "Messages from the school": "Messages de l'établissement", "New": "Nouveau",
    "for": "pour", "All the messages": "Tous les messages",
    "No message from the school at the moment.": "Aucun message de l'établissement pour le moment.",
    "This message does not exist or is no longer shown.": "Ce message n'existe pas ou n'est plus affiché.",
    "1 new message": "1 nouveau message", "{n} new messages": "{n} nouveaux messages",
    # the office's view of online payments
    "Online payments": "Paiements en ligne", "Days": "Jours", "previous day": "jour précédent",
    "next day": "jour suivant", "credited ({n} payments)": "crédités ({n} paiements)",
    "waiting for the bank": "en attente de la banque", "Pupil": "Élève", "Payer": "Payeur", "State": "État",
    "Reference": "Référence", "credited": "crédité", "refused by the bank": "refusé par la banque",
    "No online payment this day.": "Aucun paiement en ligne ce jour-là.",
    # account and top-ups
    "Children": "Enfants", "Change the password": "Changer le mot de passe", "Current password": "Mot de passe actuel",
    "Sign out": "Se déconnecter", "Top up online": "Recharger en ligne",
    "Payment of {amount} ready. Continue on the bank's secure page; the balance is credited as soon as the bank "
    "confirms.": "Paiement de {amount} prêt. Continuez sur la page sécurisée de la banque ; le solde est crédité dès "
                 "que la banque confirme.",
    "Continue to the payment": "Continuer vers le paiement",
    "Only the guardian who pays for this child may top up.":
        "Seul le responsable qui paie pour cet enfant peut recharger son compte.",
    "Payment": "Paiement", "Back to the family space": "Retour à l'Espace Famille",
    "Payment received: the balance is credited.": "Paiement reçu : le solde est crédité.",
    "Payment being confirmed by the bank: the balance will be credited as soon as it confirms.":
        "Paiement en cours de confirmation par la banque : le solde sera crédité dès sa confirmation.",
    "The payment did not go through: nothing was debited or credited.":
        "Le paiement n'a pas abouti : rien n'a été débité ni crédité.",
    "This payment answer could not be verified: nothing was credited.":
        "Cette réponse de paiement n'a pas pu être vérifiée : rien n'a été crédité.",
    "Amount in euros (at least {minimum})": "Montant en euros (au moins {minimum})", "Pay online": "Payer en ligne",
    "You pay on the school's payment provider's secure page. The balance is credited when the bank confirms the "
    "payment, usually at once.": "Vous payez sur la page sécurisée du prestataire de paiement de l'établissement. "
                                 "Le solde est crédité quand la banque confirme le paiement, en général aussitôt.",
    "Type an amount in euros, e.g. 20 or 20,50 (at most 1 000 €).":
        "Saisissez un montant en euros, par ex. 20 ou 20,50 (au plus 1 000 €).",
    "The smallest top-up at this school is {minimum}.": "Le plus petit rechargement accepté ici est de {minimum}.",
    "This school does not take online payments yet.": "L'établissement ne prend pas encore de paiement en ligne.",
    # the phone badge (badge.py)
    "New code in {n} s": "Nouveau code dans {n} s",
    "The phone badge is turned off: its codes no longer work at the canteen.":
        "Le badge téléphone est désactivé : ses codes ne marchent plus à la cantine.",
    "The phone badge is ready on this phone.": "Le badge téléphone est prêt sur ce téléphone.",
    "Canteen badge": "Badge cantine", "Badge": "Badge",
    "The school does not use phone badges: {name} uses the canteen card.":
        "L'établissement n'utilise pas le badge sur téléphone : {name} passe avec sa carte de cantine.",
    "When the school turns phone badges on, this page will let you put the badge on the child's phone.":
        "Quand l'établissement l'aura activé, cette page vous permettra d'installer le badge sur le téléphone "
        "de l'enfant.",
    "The phone badge needs JavaScript: turn it on in this browser.":
        "Le badge téléphone a besoin de JavaScript : activez-le dans ce navigateur.",
    "QR code of the canteen badge": "QR code du badge de cantine",
    "A screenshot will not work: each code lets the child in once, and a new one comes every 30 seconds.":
        "Une capture d'écran ne marchera pas : chaque code ne sert qu'une fois, et un nouveau code arrive "
        "toutes les 30 secondes.",
    "This page works with no network: add it to the home screen.":
        "Cette page marche sans réseau : ajoutez-la à l'écran d'accueil.",
    "The phone badge is on, but not on this phone (turned on {when}).":
        "Le badge téléphone est activé, mais pas sur ce téléphone (activé le {when}).",
    "To put it on this phone, replace it: the other phone's codes stop working.":
        "Pour l'installer sur ce téléphone, remplacez-le : les codes de l'autre téléphone cesseront de marcher.",
    "{name} can show a QR code on a phone instead of the canteen card. The code changes every 30 seconds and "
    "works with no network.": "{name} peut présenter un QR code sur un téléphone à la place de la carte de "
                              "cantine. Le code change toutes les 30 secondes et marche sans réseau.",
    "Open this page on the phone {name} will use (signed in to the family space).":
        "Ouvrez cette page sur le téléphone que {name} utilisera (connecté à l'Espace Famille).",
    "Tap the button below: the badge is kept on that phone only.":
        "Appuyez sur le bouton ci-dessous : le badge est gardé sur ce téléphone seulement.",
    "Add the page to the home screen (browser menu, “Add to Home screen” or “Install”) and open it from there "
    "(sign in again if asked).": "Ajoutez la page à l'écran d'accueil (menu du navigateur, « Ajouter à l'écran "
                                 "d'accueil » ou « Installer ») et ouvrez-la depuis l'écran d'accueil (reconnectez-"
                                 "vous si c'est demandé).",
    "Put the badge on this phone": "Installer le badge sur ce téléphone",
    "Lost or changed phone": "Téléphone perdu ou changé",
    "Replace the badge to put it on another phone, or turn it off: the old phone's codes stop working at the "
    "canteen as soon as the stations have synchronised (a minute or so).":
        "Remplacez le badge pour l'installer sur un autre téléphone, ou désactivez-le : les codes de l'ancien "
        "téléphone cessent de marcher à la cantine dès que les bornes se sont synchronisées (une minute environ).",
    "Replace the badge (this phone)": "Remplacer le badge (sur ce téléphone)",
    "Turn the phone badge off": "Désactiver le badge téléphone",
    "Replace {name}'s phone badge? The phone that has it now stops working at the canteen; this phone gets the "
    "new badge.": "Remplacer le badge téléphone de {name} ? Le téléphone qui l'a aujourd'hui cessera de marcher "
                  "à la cantine ; ce téléphone reçoit le nouveau badge.",
    "Turn {name}'s phone badge off? Its codes stop working at the canteen; {name} uses the card again.":
        "Désactiver le badge téléphone de {name} ? Ses codes cesseront de marcher à la cantine ; {name} passe "
        "à nouveau avec sa carte.",
    "Yes, replace it": "Oui, le remplacer", "Yes, turn it off": "Oui, le désactiver",
    "Keeping the badge on this phone…": "Enregistrement du badge sur ce téléphone…",
    "This browser cannot keep the badge (the page must be opened over https, in a recent browser). Try again "
    "from the phone's usual browser.": "Ce navigateur ne peut pas garder le badge (la page doit être ouverte en "
                                       "https, dans un navigateur récent). Réessayez depuis le navigateur "
                                       "habituel du téléphone.",
}


def gettext(lang: str):
    def _(text: str, **kw) -> str:
        out = text if lang == "en" else FR.get(text) or COMMON.get(text, text)
        return out.format(**kw) if kw else out

    return _
