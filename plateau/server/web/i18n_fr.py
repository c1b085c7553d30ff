"""French words of the web pages (the English text is the key). Plain data."""

FR = {
    # layout
    "Online payments": "Paiements en ligne",  # the Espace Famille's top-ups, seen by the office
    "Skip to content": "Aller au contenu", "Office": "Bureau", "Today": "Aujourd'hui", "Persons": "Personnes",
    "Imports": "Imports", "Reports": "Rapports", "Stations": "Bornes", "Audit": "Journal", "Site": "Établissement",
    "Switch": "Changer", "Sign out": "Se déconnecter", "Error": "Erreur", "Back to the office": "Retour au bureau",
    "Administrator": "Administrateur", "Bursar": "Gestionnaire", "Pupil life": "Vie scolaire",
    "Kitchen": "Cuisine",
    # sign-in
    "Sign in": "Se connecter", "The school office": "Le bureau de l'établissement",
    "Sign in to the office": "Connexion au bureau", "E-mail": "Adresse e-mail", "Password": "Mot de passe",
    "Wrong e-mail or password.": "Adresse e-mail ou mot de passe incorrect.",
    "Too many failed attempts. Try again in {n} min.": "Trop d'essais manqués. Réessayez dans {n} min.",
    "This form has expired or did not come from this office. Reload the page and try again.":
        "Ce formulaire a expiré ou ne vient pas de ce bureau. Rechargez la page et recommencez.",
    "Your account has no site.": "Votre compte n'est rattaché à aucun établissement.",
    "Your role ({role}) may not open this page.": "Votre rôle ({role}) ne permet pas d'ouvrir cette page.",
    "You may not see this site.": "Vous n'avez pas accès à cet établissement.",
    "Not found.": "Introuvable.",
    # today
    "Refresh": "Actualiser", "Updated at {t}": "Mis à jour à {t}",
    "The canteen is closed today: {label}": "La cantine est fermée aujourd'hui : {label}",
    "No service today.": "Aucun service aujourd'hui.", "expected": "prévus", "served": "servis",
    "remaining": "restants", "no-shows": "absents", "refusals": "refus", "unexpected": "non prévus",
    "Passages per 15 minutes": "Passages par tranche de 15 minutes",
    "Refusals by reason": "Refus par motif", "Reason": "Motif", "Refusals": "Refus",
    "then let in": "puis admis",
    "served twice": "en double", "Served twice (offline stations)": "Passages en double (postes hors ligne)",
    "Two offline stations served the same pupil: each accepted them without knowing of the other, and each "
    "charged what it decided. The passage marked extra may be refunded at the desk (see the person's page).":
        "Deux postes hors ligne ont servi le même élève : chacun l'a accepté sans savoir que l'autre l'avait "
        "déjà servi, et chacun a débité ce qu'il a décidé. Le passage marqué en trop peut être remboursé au "
        "guichet (voir la fiche de la personne).",
    "Two offline stations served the same pupil.": "Deux postes hors ligne ont servi le même élève.",
    "extra": "en trop", "phone": "téléphone", "card": "badge",
    "refunded": "remboursé", "Refund {amount}": "Rembourser {amount}",
    "Extra passage refunded: {amount}. New balance: {balance}.":
        "Passage en trop remboursé : {amount}. Nouveau solde : {balance}.",
    "This passage was already refunded: nothing changed.": "Ce passage était déjà remboursé : rien n'a changé.",
    "Only the extra passage of a double passage, when it was charged, may be refunded.":
        "Seul le passage en trop d'un passage en double, s'il a été débité, peut être remboursé.",
    "None.": "Aucun.", "By class": "Par classe", "Class": "Classe",
    "Station": "Borne", "State": "État", "Last contact": "Dernier contact", "revoked": "révoquée",
    "online": "en ligne", "offline": "hors ligne", "No station yet.": "Aucune borne pour l'instant.",
    # today: what each station says of itself (web/office/station_state.py)
    "Waiting": "En attente", "Parked": "Rejetés", "Clock": "Horloge", "Version": "Version", "Reader": "Lecteur",
    "on time ({d})": "à l'heure ({d})", "clock off by {d} ({way})": "horloge décalée de {d} ({way})",
    "ahead": "en avance", "behind": "en retard", "{n} d": "{n} j", "{n} h": "{n} h", "{n} min": "{n} min",
    "{n} s": "{n} s", "ready": "prêt", "starting": "démarrage", "unplugged": "débranché", "in error": "en erreur",
    "stopped (kiosk not running)": "arrêté (borne éteinte)", "unknown": "inconnu",
    # persons
    "Search": "Rechercher", "Name, first name, class or card number": "Nom, prénom, classe ou numéro de badge",
    "All classes": "Toutes les classes", "All categories": "Toutes les catégories", "Category": "Catégorie",
    "Balance": "Solde", "All": "Tous", "Debtors": "Débiteurs", "Creditors": "Créditeurs",
    "Archived": "Archivés", "Active": "Actifs", "Without a card": "Sans badge", "Filter": "Filtrer",
    "{n} persons": "{n} personnes", "Previous page": "Page précédente", "Next page": "Page suivante",
    "Page {p} of {n}": "Page {p} sur {n}", "Last name": "Nom", "First name": "Prénom", "Plan": "Formule",
    "Cards": "Badges", "No card": "Aucun badge", "Nobody matches.": "Personne ne correspond.",
    "Status": "Statut", "archived": "archivé", "active": "actif", "Identity": "Identité",
    "External id": "Identifiant externe", "INE": "INE", "Regime": "Régime", "Arrival": "Arrivée",
    "Leaving": "Départ", "lost": "perdu", "blocked": "bloqué",
    "Movements": "Mouvements", "Date": "Date", "Label": "Libellé", "Amount": "Montant",
    "Balance after": "Solde après", "No movement.": "Aucun mouvement.", "Passages": "Passages",
    "Service": "Service", "Result": "Résultat", "accepted": "accepté", "No passage.": "Aucun passage.",
    "Reservations": "Réservations", "No reservation.": "Aucune réservation.", "Oppositions": "Oppositions",
    "From": "Du", "To": "Au", "Motive": "Motif", "Source": "Origine", "No opposition.": "Aucune opposition.",
    "Lift": "Lever", "History": "Historique", "When": "Quand", "Who": "Qui", "What": "Quoi",
    "Before": "Avant", "After": "Après", "ticket": "ticket", "forfait": "forfait", "reservation": "réservation",
    "none": "aucune",
    # payments
    "Record a desk payment": "Enregistrer un paiement au guichet", "Amount (€)": "Montant (€)",
    "Means": "Moyen", "cash": "espèces", "cheque": "chèque", "transfer": "virement",
    "Reference (cheque number, transfer label)": "Référence (n° de chèque, libellé du virement)",
    "Record the payment": "Enregistrer le paiement",
    "Payment of {amount} recorded. New balance: {balance}.":
        "Paiement de {amount} enregistré. Nouveau solde : {balance}.",
    "This payment was already recorded (same reference): nothing changed.":
        "Ce paiement était déjà enregistré (même référence) : rien n'a changé.",
    "Amount: {error}": "Montant : {error}",
    "write an amount in euros, e.g. 12,50": "écrivez un montant en euros, par exemple 12,50",
    "the amount must be more than zero": "le montant doit être supérieur à zéro",
    "at most 2 decimals": "2 décimales au plus", "too large": "trop élevé",
    "Choose cash, cheque or transfer.": "Choisissez espèces, chèque ou virement.",
    # oppositions
    "Add an opposition": "Ajouter une opposition", "First day": "Premier jour", "Last day": "Dernier jour",
    "Add the opposition": "Ajouter l'opposition", "absence": "absence", "unpaid": "impayé",
    "discipline": "discipline", "manual": "manuelle",
    "Opposition added from {first} to {last}.": "Opposition ajoutée du {first} au {last}.",
    "Opposition lifted.": "Opposition levée.", "Dates: {error}": "Dates : {error}",
    "write the days as DD/MM/YYYY": "écrivez les jours sous la forme JJ/MM/AAAA",
    "the last day is before the first day": "le dernier jour est avant le premier",
    # imports
    "Import a file": "Importer un fichier", "Kind": "Type", "File": "Fichier", "Preview": "Aperçu",
    "Nothing has been written yet.": "Rien n'a encore été enregistré.",
    "{n} new, {m} changed, {k} unchanged": "{n} nouveaux, {m} modifiés, {k} inchangés",
    "refused: {n} error(s), nothing was changed": "refusé : {n} erreur(s), rien n'a été modifié",
    "Errors": "Erreurs", "Notes": "Remarques", "Line": "Ligne", "Message": "Message",
    "Apply the import": "Appliquer l'import", "The file has errors: fix them and import it again.":
        "Le fichier contient des erreurs : corrigez-les et importez-le de nouveau.",
    "Import applied: {summary}": "Import appliqué : {summary}", "Import history": "Historique des imports",
    "previewed": "aperçu", "applied": "appliqué", "refused": "refusé", "Report": "Rapport",
    "No import yet.": "Aucun import pour l'instant.", "Choose a file.": "Choisissez un fichier.",
    "The file was refused: {reason}": "Le fichier a été refusé : {reason}",
    "This import was already applied or refused.": "Cet import a déjà été appliqué ou refusé.",
    "Options": "Options", "siecle": "SIÈCLE (élèves)", "calendar": "calendrier officiel", "persons": "personnes",
    "cards": "badges", "payments": "paiements", "oppositions": "oppositions", "reservations": "réservations",
    # admin pages
    "Download": "Télécharger", "Daily headcount (PDF)": "Effectifs du jour (PDF)",
    "Daily headcount (CSV)": "Effectifs du jour (CSV)", "No-shows (CSV, for PRONOTE)": "Absents (CSV, pour PRONOTE)",
    "Kitchen forecast (CSV)": "Prévisions pour la cuisine (CSV)", "Week (PDF)": "Semaine (PDF)",
    "Month (PDF)": "Mois (PDF)", "Day": "Jour", "Show": "Afficher", "Audit log": "Journal des modifications",
    "Target": "Objet", "Nothing logged yet.": "Rien n'est encore journalisé.",
    "Created": "Créée", "never": "jamais",
    "Absences": "Absences", "Absences and oppositions": "Absences et oppositions", "Name": "Nom",
    "To add one, open the pupil's page from": "Pour en ajouter une, ouvrez la fiche de l'élève depuis",
    "or import the day's absences in": "ou importez les absences du jour dans",
    "Nobody is in opposition that day.": "Personne n'est en opposition ce jour-là.",
    "Card: {error}": "Badge : {error}", "Card {uid} enrolled.": "Badge {uid} enregistré.",
    "Card {uid} declared lost: the stations refuse it.": "Badge {uid} déclaré perdu : les bornes le refusent.",
    "Card {uid} is the active card of person {other}: declare it lost there first.":
        "Le badge {uid} est le badge actif de la personne {other} : déclarez-le d'abord perdu sur sa fiche.",
    "Enrol a card": "Enregistrer un badge", "Card number": "Numéro du badge", "Spelling": "Écriture",
    "Enrol": "Enregistrer", "Declare lost": "Déclarer perdu",
    "Phone badge": "Badge téléphone", "On since {day}, by {who}": "Activé depuis le {day}, par {who}",
    "Turn off": "Désactiver", "Off": "Désactivé",
    "Phone badge turned off: the stations refuse its codes after their next sync.":
        "Badge téléphone désactivé : les bornes refusent ses codes dès leur prochaine synchronisation.",
    "card.enrol": "badge enregistré", "card.lost": "badge déclaré perdu",
    "Not booked: {reason}": "Non réservé : {reason}", "Not cancelled: {reason}": "Non annulé : {reason}",
    "Meal booked on {first}.": "Repas réservé le {first}.", "Meal of {first} cancelled.": "Repas du {first} annulé.",
    "Book a meal": "Réserver un repas", "Book": "Réserver", "Cancel": "Annuler",
    "The office may book and cancel after the families' cutoff.":
        "Le bureau peut réserver et annuler après l'heure limite des familles.",
    "reservation.book": "repas réservé", "reservation.cancel": "réservation annulée",
    "Actions": "Actions", "Station: {error}": "Borne : {error}", "Add a station": "Ajouter une borne",
    "Station id (e.g. self-3)": "Identifiant de la borne (par exemple self-3)", "Add": "Ajouter",
    "Rotate the token": "Nouveau jeton", "Revoke": "Révoquer",
    "The token of {station}, shown once only:": "Le jeton de {station}, affiché une seule fois :",
    "Download station.toml": "Télécharger station.toml",
    "Copy it now into the station's configuration: it cannot be shown again.":
        "Copiez-le maintenant dans la configuration de la borne : il ne pourra plus être affiché.",
    "station.add": "borne ajoutée", "station.rotate": "jeton de borne renouvelé",
    "station.revoke": "borne révoquée",
    "Menus": "Menus", "Menus of the week of {day}": "Menus de la semaine du {day}", "Weeks": "Semaines",
    "Previous week": "Semaine précédente", "Next week": "Semaine suivante", "Menus saved.": "Menus enregistrés.",
    "Save the menus": "Enregistrer les menus", "No service this week.": "Aucun service cette semaine.",
    "menu.set": "menu modifié",
    "Bookings by week pattern": "Réservations par semaine type",
    "{persons} person(s): {booked} booked, {already} already booked, {skipped} closed or not at school, "
    "{cancelled} cancelled.":
        "{persons} personne(s) : {booked} réservés, {already} déjà réservés, {skipped} fermés ou hors "
        "scolarité, {cancelled} annulés.",
    "Back to the person": "Retour à la fiche", "Every": "Chaque", "mon": "lundi", "tue": "mardi",
    "wed": "mercredi", "thu": "jeudi", "fri": "vendredi", "sat": "samedi", "sun": "dimanche",
    "every other week (from the first day's week)": "une semaine sur deux (à partir de la semaine du premier jour)",
    "Only these weeks (ISO numbers, optional)": "Seulement ces semaines (numéros, facultatif)",
    "Existing bookings in that span": "Réservations existantes sur cette période",
    "keep them (add)": "les garder (ajouter)", "replace them": "les remplacer",
    "Tick at least one weekday.": "Cochez au moins un jour de la semaine.",
    "At most one year at a time.": "Une année au plus à la fois.",
    "Weeks: numbers separated by commas, e.g. 2, 3, 7.":
        "Semaines : des numéros séparés par des virgules, par exemple 2, 3, 7.",
    "Choose a pupil or a class.": "Choisissez un élève ou une classe.",
    "Book by week pattern": "Réserver par semaine type", "reservation.bulk": "réservations par semaine type",
    "Staff": "Personnel", "Kiosk staff": "Personnel des bornes",
    "The people who act at the stations with a PIN: forgotten badges, overrides, cancellations (staff); the "
    "day's figures too (manager); leaving the kiosk (admin).":
        "Les personnes qui agissent aux bornes avec un code : oublis de badge, dérogations, annulations "
        "(agent) ; aussi les chiffres du jour (responsable) ; aussi quitter la borne (administrateur).",
    "Saved: the stations have it at their next sync.":
        "Enregistré : les bornes l'ont à leur prochaine synchronisation.",
    "Role": "Rôle", "Badge": "Badge", "New PIN": "Nouveau code", "inactive": "inactif",
    "Deactivate": "Désactiver", "Reactivate": "Réactiver", "Change": "Changer",
    "Add a staff member": "Ajouter une personne", "PIN (4 to 12 digits)": "Code (4 à 12 chiffres)",
    "Badge (optional)": "Badge (facultatif)", "The PIN is 4 to 12 digits.": "Le code a 4 à 12 chiffres.",
    "staff": "agent", "manager": "responsable", "admin": "administrateur", "staff.set": "personnel des bornes modifié",
    "Settings": "Réglages", "Settings of the site": "Réglages de l'établissement", "Services": "Services",
    "Code": "Code", "Hours": "Horaires", "Days": "Jours", "Start": "Début", "End": "Fin",
    "Save the service": "Enregistrer le service", "The same code updates a service.":
        "Le même code modifie un service existant.", "Tariffs": "Tarifs", "Price": "Prix", "Price (€)": "Prix (€)",
    "Save the tariff": "Enregistrer le tarif", "Rules": "Règles", "Setting": "Réglage", "Value": "Valeur",
    "Value (empty: back to the default)": "Valeur (vide : valeur par défaut)",
    "Save the setting": "Enregistrer le réglage",
    "Every setting is described in the documentation (configuration.md, site settings).":
        "Chaque réglage est décrit dans la documentation (configuration.md, réglages de l'établissement).",
    "Closures to come": "Fermetures à venir",
    "Holidays come from the official calendar of the zone ({zone}): import it on the Imports page (kind calendar).":
        "Les vacances viennent du calendrier officiel de la zone ({zone}) : importez-le dans Imports (type "
        "calendrier officiel).",
    "Delete": "Supprimer", "Add a local closure": "Ajouter une fermeture locale", "local": "locale",
    "service.set": "service modifié", "tariff.set": "tarif modifié", "setting.set": "réglage modifié",
    "closure.add": "fermeture ajoutée", "closure.delete": "fermeture supprimée",
    "Print the receipt": "Imprimer le reçu", "Receipt": "Reçu", "Payment receipt": "Reçu de paiement",
    "Received from": "Reçu de", "for the canteen account of": "pour le compte de cantine de",
    "the sum of": "la somme de", "Balance after this payment": "Solde après ce paiement",
    "Recorded by": "Enregistré par", "Print": "Imprimer", "No.": "N°",
    "Headcount of": "Effectifs du", "Back to today": "Revenir à aujourd'hui",
    # messages to families
    "Messages": "Messages", "Messages to families": "Messages aux familles", "Write a message": "Écrire un message",
    "Edit the message": "Modifier le message", "Back to the messages": "Retour aux messages", "Title": "Titre",
    "For": "Pour", "Shown": "Affiché", "Read by": "Lu par", "Written by": "Écrit par", "Withdraw": "Retirer",
    "Withdraw the message": "Retirer le message", "No message yet.": "Aucun message pour l'instant.",
    "every family": "toutes les familles", "some classes": "des classes", "some pupils": "des élèves",
    "scheduled": "programmé", "published": "publié", "expired": "expiré", "withdrawn": "retiré",
    "Text (plain text; line breaks are kept)": "Texte (texte simple ; les retours à la ligne sont gardés)",
    "First day shown": "Premier jour affiché", "Last day shown (optional)": "Dernier jour affiché (facultatif)",
    "every family of the school": "toutes les familles de l'établissement",
    "the families of these classes": "les familles de ces classes", "Classes": "Classes",
    "the families of these pupils": "les familles de ces élèves", "Pupils": "Élèves",
    "Hold Ctrl (or Cmd) to choose several.": "Maintenez Ctrl (ou Cmd) pour en choisir plusieurs.",
    "Save": "Enregistrer", "Publish": "Publier",
    "Message written: families see it from its first day.":
        "Message écrit : les familles le voient à partir de son premier jour.",
    "Message saved.": "Message enregistré.", "Message withdrawn: families no longer see it.":
        "Message retiré : les familles ne le voient plus.",
    "Give the message a title.": "Donnez un titre au message.",
    "The title is too long ({n} characters, at most {max}).":
        "Le titre est trop long ({n} caractères, {max} au plus).",
    "The message is empty: write its text.": "Le message est vide : écrivez son texte.",
    "The text is too long ({n} characters, at most {max}).": "Le texte est trop long ({n} caractères, {max} au plus).",
    "The text contains a character that cannot be stored.":
        "Le texte contient un caractère qui ne peut pas être enregistré.",
    "Give the first day the message is shown.": "Indiquez le premier jour où le message est affiché.",
    "The last day is before the first day.": "Le dernier jour est avant le premier jour.",
    "Choose whom the message is for.": "Choisissez à qui le message s'adresse.",
    "Choose at least one class.": "Choisissez au moins une classe.",
    "No pupil of this school is in class {names}.": "Aucun élève de l'établissement n'est en classe {names}.",
    "Choose at least one pupil.": "Choisissez au moins un élève.",
    "A pupil chosen is not of this school.": "Un élève choisi n'est pas de cet établissement.",
    "This message was withdrawn: write a new one.": "Ce message a été retiré : écrivez-en un nouveau.",
    "Write the days as DD/MM/YYYY.": "Écrivez les jours sous la forme JJ/MM/AAAA.",
    "message.write": "message écrit", "message.edit": "message modifié", "message.withdraw": "message retiré",
    # audit actions
    "payment.record": "paiement enregistré", "passage.refund": "passage en double remboursé",
    "opposition.add": "opposition ajoutée",
    "opposition.lift": "opposition levée", "import.apply": "import appliqué", "user.add": "utilisateur créé",
    "user.disable": "utilisateur désactivé", "user.set_password": "mot de passe changé",
    "session.sign_in": "connexion",
}


# English words for the codes the pages show (audit actions): the code itself is the key
EN = {
    "payment.record": "payment recorded", "passage.refund": "double passage refunded",
    "opposition.add": "opposition added", "opposition.lift": "opposition lifted",
    "import.apply": "import applied", "user.add": "user created", "user.disable": "user disabled",
    "user.set_password": "password changed", "session.sign_in": "sign-in", "card.enrol": "card enrolled",
    "card.lost": "card declared lost", "reservation.book": "meal booked", "reservation.cancel": "booking cancelled",
    "reservation.bulk": "week-pattern bookings", "menu.set": "menu changed", "station.add": "station added",
    "station.rotate": "station token rotated", "station.revoke": "station revoked", "staff.set": "kiosk staff changed",
    "service.set": "service changed", "tariff.set": "tariff changed", "setting.set": "setting changed",
    "closure.add": "closure added", "closure.delete": "closure deleted",
    "message.write": "message written", "message.edit": "message edited", "message.withdraw": "message withdrawn",
}
