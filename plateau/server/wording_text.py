"""The words of `plateau.server.wording`'s messages: code -> (English, French). Plain data.

English is what the CLI and the JSON API have always said; keep it so when adding a message.
The official calendar's own messages are the domain's (`plateau.domain.calendar_words`).
"""

from plateau.domain.calendar_words import CALENDAR_TEXT

FIELDS = {  # field names in messages ({x!f}): (English, French with its article)
    "date": ("date", "la date"), "day": ("day", "le jour"), "arrival date": ("arrival date", "la date d'arrivée"),
    "leaving date": ("leaving date", "la date de départ"), "first date": ("first date", "la première date"),
    "last date": ("last date", "la dernière date"), "first day": ("first day", "le premier jour"),
    "last day": ("last day", "le dernier jour"), "start (from)": ("start (from)", "le début (from)"),
    "end (to)": ("end (to)", "la fin (to)"), "payment date": ("payment date", "la date du paiement"),
    "birth date (DATE_NAISS)": ("birth date (DATE_NAISS)", "la date de naissance (DATE_NAISS)"),
    "entry date (DATE_ENTREE)": ("entry date (DATE_ENTREE)", "la date d'entrée (DATE_ENTREE)"),
    "leaving date (DATE_SORTIE)": ("leaving date (DATE_SORTIE)", "la date de sortie (DATE_SORTIE)"),
    # columns the store checks (store_checks.check_text): English keeps the column's name
    "last_name": ("last_name", "le nom"), "first_name": ("first_name", "le prénom"),
    "start": ("start", "le début"), "end": ("end", "la fin"),
    "arrival_date": ("arrival_date", "la date d'arrivée"), "leaving_date": ("leaving_date", "la date de départ"),
    "class_name": ("class_name", "la classe"), "category": ("category", "la catégorie"),
    "external_id": ("external_id", "l'identifiant"), "ine": ("ine", "l'INE"), "regime": ("regime", "le régime"),
    # the kinds of import
    "siecle": ("siecle", "SIÈCLE"), "calendar": ("calendar", "calendrier"), "persons": ("persons", "personnes"),
    "cards": ("cards", "badges"), "payments": ("payments", "paiements"), "oppositions": ("oppositions", "oppositions"),
    "reservations": ("reservations", "réservations"), "guardians": ("guardians", "responsables"),
}

WEEKDAYS = (("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
            ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"))

_SAVE_AS = ("save it again as 'CSV UTF-8' (or UTF-8 text) and import that file",
            "enregistrez-le de nouveau en « CSV UTF-8 » (ou texte UTF-8) et importez ce fichier-là")

TEXT: dict[str, tuple[str, str]] = {
    # cell values (imports/values.py)
    "date_implausible": ("{what!f} {text!r} is not a plausible date (year {year})",
                         "{what!f} {text!r} n'est pas une date plausible (année {year})"),
    "date_nonexistent": ("{what!f} {text!r} does not exist in the calendar",
                         "{what!f} {text!r} n'existe pas dans le calendrier"),
    "value_missing": ("the {what!f} is missing", "{what!f} manque"),
    "date_invalid": ("{what!f} {text!r} is not a date (write 2026-11-23 or 23/11/2026)",
                     "{what!f} {text!r} n'est pas une date (écrire 23/11/2026 ou 2026-11-23)"),
    "instant_invalid": ("{what!f} {text!r} is neither a date (2026-11-23) nor a date and time (2026-11-23T08:00)",
                        "{what!f} {text!r} n'est ni une date (23/11/2026) ni une date et une heure "
                        "(2026-11-23T08:00)"),
    "plan_missing": ("the plan is missing (ticket, reservation, none or forfait:mon,tue,thu,fri)",
                     "la formule manque (ticket, reservation, none ou forfait:mon,tue,thu,fri)"),
    "plan_unknown": ("plan {text!r} is unknown (expected ticket, reservation, none or forfait:mon,tue,thu,fri)",
                     "formule {text!r} inconnue (attendu : ticket, reservation, none ou forfait:mon,tue,thu,fri)"),
    "plan_days_not_forfait": ("only a forfait has weekdays, not {text!r}",
                              "seul un forfait a des jours de la semaine, pas {text!r}"),
    "forfait_days_missing": ("a forfait needs its weekdays, e.g. forfait:mon,tue,thu,fri",
                             "un forfait a besoin de ses jours, par exemple forfait:mon,tue,thu,fri"),
    "forfait_no_weekday": ("a forfait needs at least one weekday", "un forfait a besoin d'au moins un jour"),
    "weekday_unknown": ("unknown weekday {text!r} (expected mon,tue,wed,thu,fri,sat,sun)",
                        "jour de la semaine {text!r} inconnu (attendu : mon,tue,wed,thu,fri,sat,sun)"),
    "weekdays_none": ("no weekday in {text!r} (write mon,tue,thu,fri)",
                      "aucun jour de la semaine dans {text!r} (écrire mon,tue,thu,fri)"),
    "value_required": ("{name!f} is required", "{name!f} est obligatoire"),
    "value_not_text": ("{name!f} must be text", "{name!f} doit être du texte"),
    "value_empty": ("{name!f} must not be empty", "{name!f} ne doit pas être vide"),
    "value_too_long": ("{name!f} is longer than {max} characters", "{name!f} dépasse {max} caractères"),
    "value_nul": ("{name!f} contains a NUL character", "{name!f} contient un caractère NUL"),
    # the file as a whole (imports/source.py, runner.py)
    "kind_unknown": ("unknown import kind {kind!r} (expected one of {kinds})",
                     "type d'import {kind!r} inconnu (attendu : {kinds})"),
    "file_too_large": ("the file is too large: a {kind} import takes at most {limit} MB; check that this is the "
                       "right file", "le fichier est trop gros : un import {kind!f} prend au plus {limit} Mo ; "
                       "vérifiez que c'est le bon fichier"),
    "file_too_large_size": ("the file is too large ({size} MB): a {kind} import takes at most {limit} MB; check "
                            "that this is the right file", "le fichier est trop gros ({size} Mo) : un import "
                            "{kind!f} prend au plus {limit} Mo ; vérifiez que c'est le bon fichier"),
    "path_is_folder": ("{path} is a folder, not a file", "{path} est un dossier, pas un fichier"),
    "file_empty": ("the file is empty", "le fichier est vide"),
    "not_text": ("this is not a text file", "ce n'est pas un fichier texte"),
    "not_text_zip": ("this is not a text file (it looks like a spreadsheet or a zip archive: save it as CSV first)",
                     "ce n'est pas un fichier texte (il ressemble à un tableur ou à une archive zip : "
                     "enregistrez-le d'abord en CSV)"),
    "not_text_pdf": ("this is not a text file (it is a PDF)", "ce n'est pas un fichier texte (c'est un PDF)"),
    "not_text_xls": ("this is not a text file (it looks like an old Excel file: save it as CSV first)",
                     "ce n'est pas un fichier texte (il ressemble à un ancien fichier Excel : enregistrez-le "
                     "d'abord en CSV)"),
    "not_text_binary": ("this is not a text file (it contains binary data)",
                        "ce n'est pas un fichier texte (il contient des données binaires)"),
    "xml_not_csv": ("this is an XML or HTML file, not a CSV {kind} file",
                    "c'est un fichier XML ou HTML, pas un fichier CSV d'import {kind!f}"),
    "ics_not_csv": ("this is a calendar (ICS) file, not a CSV {kind} file",
                    "c'est un fichier de calendrier (ICS), pas un fichier CSV d'import {kind!f}"),
    "header_unreadable": ("the header line cannot be read: {detail}",
                          "la ligne d'en-tête est illisible : {detail}"),
    "header_missing_columns": ("this does not look like a {kind} file: the header line needs the column(s) "
                               "{missing} (expected at least {expected}; found {found})",
                               "ce fichier ne ressemble pas à un import {kind!f} : il manque à la ligne d'en-tête "
                               "la ou les colonnes {missing} (attendu au moins {expected} ; trouvé {found})"),
    "header_duplicate_columns": ("the column(s) {columns} appear twice in the header line",
                                 "la ou les colonnes {columns} figurent deux fois dans la ligne d'en-tête"),
    "line_not_csv": ("this line cannot be read as CSV: {detail}", "cette ligne n'est pas du CSV lisible : {detail}"),
    "encoding_overruled": ("the file declares the encoding {declared} but its bytes are not {declared}: read as "
                           "{used}", "le fichier déclare l'encodage {declared} mais ses octets ne sont pas en "
                           "{declared} : lu en {used}"),
    "encoding_undeclared": ("the file declares no encoding (XML then means UTF-8) but is not UTF-8: read as {used}",
                            "le fichier ne déclare pas d'encodage (en XML, c'est alors UTF-8) mais n'est pas en "
                            "UTF-8 : lu en {used}"),
    # encodings (imports/encoding.py)
    "not_utf16": ("the file starts like UTF-16 but is not UTF-16 text; " + _SAVE_AS[0],
                  "le fichier commence comme de l'UTF-16 mais n'est pas du texte UTF-16 ; " + _SAVE_AS[1]),
    "not_utf8_bom": ("the file starts with a UTF-8 mark but is not UTF-8 text; " + _SAVE_AS[0],
                     "le fichier commence par une marque UTF-8 mais n'est pas du texte UTF-8 ; " + _SAVE_AS[1]),
    "not_declared_encoding": ("the file declares {declared} but holds a byte that encoding does not have; "
                              + _SAVE_AS[0], "le fichier déclare {declared} mais contient un octet que cet "
                              "encodage n'a pas ; " + _SAVE_AS[1]),
    "encoding_unknown": ("the file is neither UTF-8 nor plausible {encoding} text: it holds the byte {byte}, a "
                         "control character in {encoding}{why}; its encoding cannot be told for sure, so nothing "
                         "was read: " + _SAVE_AS[0],
                         "le fichier n'est ni de l'UTF-8 ni du texte {encoding} plausible : il contient l'octet "
                         "{byte}, un caractère de contrôle en {encoding}{why} ; son encodage est incertain, rien "
                         "n'a donc été lu : " + _SAVE_AS[1]),
    "encoding_unknown_why": (" (Windows-1252, which Excel writes, puts € œ ’ there; Mac Roman its accents)",
                             " (Windows-1252, qu'écrit Excel, y met € œ ’ ; Mac Roman ses accents)"),
    # persons
    "person_column_empty": ("the person column is empty", "la colonne person est vide"),
    "person_ref_empty": ("the person column (the person's id) is empty",
                         "la colonne person (l'identifiant de la personne) est vide"),
    "person_ref_too_long": ("the person id {ref!r}... is longer than 64 characters",
                            "l'identifiant {ref!r}... dépasse 64 caractères"),
    "person_ref_repeated": ("person {ref} is already on line {line}", "la personne {ref} est déjà ligne {line}"),
    "names_required": ("the last name and the first name are required", "le nom et le prénom sont obligatoires"),
    "person_needs_names": ("a person needs a last and a first name", "une personne doit avoir un nom et un prénom"),
    "category_missing": ("the category is missing (e.g. commensal, eleve)",
                         "la catégorie manque (par exemple commensal, eleve)"),
    "status_unknown": ("status {text!r} is unknown (active or archived)",
                       "statut {text!r} inconnu (active ou archived)"),
    "leaving_before_arrival": ("the leaving date is before the arrival date",
                               "la date de départ précède la date d'arrivée"),
    "category_without_tariff": ("category {category!r} has no tariff yet: its meals are free until one is added "
                                "(plateau admin tariff add {site} {category} --price-cents N)",
                                "la catégorie {category!r} n'a pas encore de tarif : ses repas sont gratuits "
                                "jusqu'à ce qu'il soit ajouté (page Réglages, ou plateau admin tariff add {site} "
                                "{category} --price-cents N)"),
    # booking rules (reservations.py): the API's codes stay beyond_horizon, past_cutoff, closed_day...
    "booking_beyond_horizon": ("bookings open {days} days ahead: {day} is too far",
                               "les réservations ouvrent {days} jours à l'avance : le {day!d} est trop loin"),
    "booking_past_cutoff": ("too late for {day}: bookings and cancellations closed on {weekday!w} {closed} at {at}",
                            "trop tard pour le {day!d} : réservations et annulations closes le {weekday!w} "
                            "{closed} à {at}"),
    "booking_service_not_that_day": ("no {service} on {weekday!w}s", "pas de {service} le {weekday!w}"),
    "booking_public_holiday": ("{day} is a public holiday ({name})", "le {day!d} est un jour férié ({name})"),
    "booking_closure": ("the canteen is closed on {day}", "la cantine est fermée le {day!d}"),
    "booking_closure_named": ("the canteen is closed on {day} ({label})",
                              "la cantine est fermée le {day!d} ({label})"),
    "booking_person_inactive": ("{name} is not at the school on {day}",
                                "{name} n'est pas à l'établissement le {day!d}"),
    "service_not_at_site": ("no service {service!r} at site {site}", "aucun service {service!r} à {site}"),
    "station_exists": ("station {station!r} already exists at site {site} (use `plateau admin station rotate` for a "
                       "new token)", "la borne {station!r} existe déjà à {site} (« Nouveau jeton » en donne un "
                       "nouveau)"),
    "station_id_invalid": ("station id {station!r}: use lower-case letters, digits, - or _",
                           "identifiant de borne {station!r} : lettres minuscules, chiffres, - ou _"),
    "station_unknown": ("no station {station!r} at site {site}", "aucune borne {station!r} à {site}"),
    "booking_not_found": ("no reservation for person {person} on {day} ({service})",
                          "pas de réservation pour la personne {person} le {day!d} ({service})"),
    # SIÈCLE (imports/siecle.py)
    "siecle_wrong_root": ("this XML file is not a SIÈCLE pupil export: its root is <{name}>, expected <BEE_ELEVES> "
                          "(export ElevesSansAdresses.xml from SIÈCLE/BEE)",
                          "ce fichier XML n'est pas un export des élèves de SIÈCLE : sa racine est <{name}>, "
                          "<BEE_ELEVES> attendu (exportez ElevesSansAdresses.xml depuis SIÈCLE/BEE)"),
    "xml_dtd": ("the XML file declares a DTD or entities, which a SIÈCLE export never does: refused for safety",
                "le fichier XML déclare une DTD ou des entités, ce que ne fait jamais un export SIÈCLE : refusé "
                "par sécurité"),
    "xml_malformed": ("the XML is malformed ({detail}); export the file again from SIÈCLE",
                      "le XML est mal formé ({detail}) ; exportez de nouveau le fichier depuis SIÈCLE"),
    "siecle_other_school": ("this SIÈCLE export is for the school {uaj}, not {site}",
                            "cet export SIÈCLE est celui de l'établissement {uaj}, pas de {site}"),
    "siecle_no_pupil": ("the SIÈCLE file has no pupil (no <ELEVE> under <ELEVES>)",
                        "le fichier SIÈCLE n'a aucun élève (pas de <ELEVE> sous <ELEVES>)"),
    "pupil_no_id": ("this pupil has no ELEVE_ID attribute", "cet élève n'a pas d'attribut ELEVE_ID"),
    "pupil_twice": ("pupil ELEVE_ID {eid} appears twice (first at line {line})",
                    "l'élève ELEVE_ID {eid} figure deux fois (d'abord ligne {line})"),
    "pupil_value": ("pupil {eid}: {detail}", "élève {eid} : {detail}"),
    "pupil_problem": ("pupil {eid} ({first} {last}): {detail}", "élève {eid} ({first} {last}) : {detail}"),
    "siecle_no_last_name": ("no last name (NOM_DE_FAMILLE, NOM_USAGE or NOM)",
                            "pas de nom (NOM_DE_FAMILLE, NOM_USAGE ou NOM)"),
    "siecle_no_first_name": ("no first name (PRENOM)", "pas de prénom (PRENOM)"),
    "siecle_leaving_before_entry": ("leaving date (DATE_SORTIE) is before the entry date (DATE_ENTREE)",
                                    "la date de sortie (DATE_SORTIE) précède la date d'entrée (DATE_ENTREE)"),
    "siecle_regime_unknown": ("régime code {regime!r} is not a SIÈCLE code",
                              "le code régime {regime!r} n'est pas un code SIÈCLE"),
    "pupil_ine_twice": ("pupil {eid}: national id {ine} is also pupil {other} (line {line})",
                        "élève {eid} : l'INE {ine} est aussi celui de l'élève {other} (ligne {line})"),
    "pupil_no_regime": ("pupil {eid} ({first} {last}) has no régime (CODE_REGIME): imported without a meal plan",
                        "l'élève {eid} ({first} {last}) n'a pas de régime (CODE_REGIME) : importé sans formule"),
    "regime_guessed": ("pupil {eid}: régime {regime} is not in the mapping; read as {letter} ({plan})",
                       "élève {eid} : le régime {regime} n'est pas dans la correspondance ; lu comme {letter} "
                       "({plan})"),
    "pupil_no_class": ("pupil {eid} ({first} {last}) has no class yet: imported without one",
                       "l'élève {eid} ({first} {last}) n'a pas encore de classe : importé sans classe"),
    "regime_days_unknown": ("pupil {eid}: régime {regime} gives the number of days, not which ones: check the "
                            "forfait weekdays", "élève {eid} : le régime {regime} donne le nombre de jours, pas "
                            "lesquels : vérifiez les jours du forfait"),
    "pupil_two_classes": ("pupil {eid} is in two classes ({kept} and {other}): kept {kept}",
                          "l'élève {eid} est dans deux classes ({kept} et {other}) : {kept} gardée"),
    "pupil_ine_elsewhere": ("pupil {eid}: national id {ine} belongs to another person ({name}, id {ext})",
                            "élève {eid} : l'INE {ine} appartient à une autre personne ({name}, identifiant "
                            "{ext})"),
    "and_more": (" and {n} more", " et {n} autres"),
    "missing_stay_active": ("{n} pupil(s) imported earlier are not in this file and stay active: {names}{more}. If "
                            "they left, import again with --archive-missing",
                            "{n} élève(s) importé(s) auparavant ne sont pas dans ce fichier et restent actifs : "
                            "{names}{more}. S'ils sont partis, importez de nouveau en archivant les absents "
                            "(archive_missing)"),
    "partial_export": ("this file lacks {n} of the {known} pupils known: it looks like a partial export, so "
                       "--archive-missing was refused (export every pupil from SIÈCLE)",
                       "il manque à ce fichier {n} des {known} élèves connus : il ressemble à un export partiel, "
                       "l'archivage des absents est donc refusé (exportez tous les élèves depuis SIÈCLE)"),
    "missing_archived": ("{n} pupil(s) not in this file archived (left the school): {names}{more}",
                         "{n} élève(s) absent(s) de ce fichier archivé(s) (partis de l'établissement) : "
                         "{names}{more}"),
    # guardians from SIÈCLE (imports/guardians_siecle.py) and the guardians' save (family/guardians.py)
    "siecle_guardians_wrong_root": ("this XML file is not a SIÈCLE guardians export: its root is <{name}>, expected "
                                    "<{root}> (ResponsablesAvecAdresses.xml)",
                                    "ce fichier XML n'est pas un export des responsables de SIÈCLE : sa racine est "
                                    "<{name}>, <{root}> attendu (ResponsablesAvecAdresses.xml)"),
    "siecle_guardians_no_link": ("the SIÈCLE guardians file links no pupil (no <RESPONSABLE_ELEVE>)",
                                 "le fichier des responsables de SIÈCLE ne relie aucun élève (pas de "
                                 "<RESPONSABLE_ELEVE>)"),
    "guardian_not_in_persons": ("pupil {eid}: the guardian PERSONNE_ID {pid} is not in <PERSONNES>",
                                "élève {eid} : le responsable PERSONNE_ID {pid} n'est pas dans <PERSONNES>"),
    "guardian_no_last_name": ("guardian {gid}: no last name (NOM_DE_FAMILLE)",
                              "responsable {gid} : pas de nom (NOM_DE_FAMILLE)"),
    "guardian_email_dropped": ("guardian {gid} ({first} {last}): {detail}; imported without an e-mail (print an "
                               "activation letter)", "responsable {gid} ({first} {last}) : adresse e-mail refusée "
                               "({detail}) ; importé sans e-mail (imprimez une lettre d'activation)"),
    "guardian_pupil_unknown": ("guardian {gid}: no pupil {ref!r} at site {site} (import the pupils first)",
                               "responsable {gid} : aucun élève {ref!r} dans l'établissement {site} (importez "
                               "d'abord les élèves)"),
    "guardians_partial": ("this file lacks {n} of the {known} guardians known: it looks like a partial export, "
                          "refused (export every guardian)", "il manque à ce fichier {n} des {known} responsables "
                          "connus : il ressemble à un export partiel, refusé (exportez tous les responsables)"),
    "guardians_gone": ("{n} guardian(s) not in this file lost access to the Espace Famille: {names}{more}",
                       "{n} responsable(s) absent(s) de ce fichier perdent l'accès à l'Espace Famille : "
                       "{names}{more}"),
    # the official calendar (imports/calendar_kind.py; its records' messages: plateau.domain.calendar_words)
    "calendar_no_zone": ("the site has no calendar zone: set it first (plateau admin site add ... --zone \"Zone A\") "
                         "or give --zone", "l'établissement n'a pas de zone de calendrier : renseignez-la d'abord "
                         "(plateau admin site add ... --zone \"Zone A\") ou donnez --zone"),
    "calendar_xml": ("this is an XML or HTML file, not the official calendar (CSV or ICS)",
                     "c'est un fichier XML ou HTML, pas le calendrier officiel (CSV ou ICS)"),
    "calendar_format_unknown": ("unknown calendar format {fmt!r} (expected csv or ics)",
                                "format de calendrier {fmt!r} inconnu (attendu : csv ou ics)"),
    "calendar_no_day": ("the calendar file closes no day for {zone}",
                        "le fichier de calendrier ne ferme aucun jour pour la {zone}"),
    "calendar_closure_removed": ("closure {label!r} {first}..{last} is no longer in the official calendar: removed",
                                 "la fermeture {label!r} du {first!d} au {last!d} n'est plus dans le calendrier "
                                 "officiel : supprimée"),
    # cards
    "card_format_unknown": ("unknown UID format {fmt!r} (expected one of {formats})",
                            "format d'UID {fmt!r} inconnu (attendu : {formats})"),
    "card_format_unknown_line": ("UID format {fmt!r} is unknown (expected one of {formats})",
                                 "format d'UID {fmt!r} inconnu (attendu : {formats})"),
    "uid_column_empty": ("the uid column is empty", "la colonne uid est vide"),
    "uid_invalid": ("{detail} (format {fmt})", "UID illisible : {detail} (format {fmt})"),
    "card_status_unknown": ("card status {text!r} is unknown (active, lost or blocked)",
                            "état de badge {text!r} inconnu (active, lost ou blocked)"),
    "card_repeated": ("card {uid} repeats line {line}", "le badge {uid} répète la ligne {line}"),
    "card_twice": ("card {uid} (written {raw!r}) is already on line {line}",
                   "le badge {uid} (écrit {raw!r}) est déjà ligne {line}"),
    "card_twice_other": ("card {uid} (written {raw!r}) is already on line {line} for person {ref}",
                         "le badge {uid} (écrit {raw!r}) est déjà ligne {line} pour la personne {ref}"),
    "card_moved": ("card {uid} moved from {old} to {new}", "le badge {uid} passe de {old} à {new}"),
    "card_moved_from_id": ("card {uid} moved from person {old} to {new}",
                           "le badge {uid} passe de la personne {old} à {new}"),
    # oppositions
    "end_missing": ("the end (to) is missing", "la fin (to) manque"),
    "end_before_start": ("the end ({end}) is before the start ({start})",
                         "la fin ({end}) précède le début ({start})"),
    "motive_too_long": ("the motive is longer than 200 characters", "le motif dépasse 200 caractères"),
    "source_unknown": ("source {source!r} is unknown (absence, unpaid, discipline or manual)",
                       "origine {source!r} inconnue (absence, unpaid, discipline ou manual)"),
    "id_too_long_40": ("the id is longer than 40 characters", "l'identifiant dépasse 40 caractères"),
    "opposition_repeated": ("this opposition repeats line {line}", "cette opposition répète la ligne {line}"),
    "opposition_id_elsewhere": ("opposition id {id!r} is used by another site",
                                "l'identifiant d'opposition {id!r} est pris par un autre établissement"),
    # payments
    "reference_empty": ("the reference is empty (each payment needs its provider reference)",
                        "la référence est vide (chaque paiement a besoin de la référence de son prestataire)"),
    "reference_too_long": ("the reference is longer than 100 characters", "la référence dépasse 100 caractères"),
    "amount_invalid": ("amount {text!r} is not an amount in euros (write 12,50 or 12.50)",
                       "montant {text!r} illisible en euros (écrire 12,50 ou 12.50)"),
    "amount_zero": ("the amount is zero", "le montant est nul"),
    "amount_too_large": ("amount {text} is larger than 10 000 €", "le montant {text} dépasse 10 000 €"),
    "payment_repeated": ("payment {reference} repeats line {line}: credited once",
                         "le paiement {reference} répète la ligne {line} : crédité une fois"),
    "reference_twice": ("reference {reference} is already on line {line} with another amount or person",
                        "la référence {reference} est déjà ligne {line} avec un autre montant ou une autre "
                        "personne"),
    "payment_already_credited": ("payment {reference} was already credited ({day}) with another amount or to "
                                 "another person", "le paiement {reference} a déjà été crédité le {day!d} avec "
                                 "un autre montant ou à une autre personne"),
    # reservations
    "pattern_invalid": ("{text!r} is neither a date nor a pattern like 'every mon,tue,thu,fri from 2026-09-07 to "
                        "2026-12-18'", "{text!r} n'est ni une date ni un motif comme 'every mon,tue,thu,fri from "
                        "2026-09-07 to 2026-12-18'"),
    "pattern_reversed": ("the pattern ends ({last}) before it starts ({first})",
                         "le motif finit ({last!d}) avant de commencer ({first!d})"),
    "pattern_too_long": ("the pattern spans more than {days} days: book one school year at most",
                         "le motif couvre plus de {days} jours : réservez une année scolaire au plus"),
    "service_missing": ("the service is missing (e.g. dejeuner)", "le service manque (par exemple dejeuner)"),
    "person_archived_no_booking": ("{name} is archived: no booking", "{name} est archivé(e) : pas de réservation"),
    "service_unknown": ("no service {service!r} at this site (services: {known})",
                        "aucun service {service!r} dans cet établissement (services : {known})"),
    "service_unknown_none": ("no service {service!r} at this site (services: none yet)",
                             "aucun service {service!r} dans cet établissement (aucun service pour l'instant)"),
    "day_closed": ("{day} is a closed day: it cannot be booked", "le {day!d} est un jour de fermeture : "
                   "impossible de le réserver"),
    "day_holiday": ("{day} is a public holiday ({name}): it cannot be booked",
                    "le {day!d} est un jour férié ({name}) : impossible de le réserver"),
    "day_without_service": ("{day} is a day without {service}: it cannot be booked",
                            "le {day!d} est un jour sans {service} : impossible de le réserver"),
    "day_past": ("{day} is in the past: it cannot be booked", "le {day!d} est passé : impossible de le réserver"),
    "pattern_skipped": ("{booked} day(s) booked or already booked, {skipped} skipped (closed days, public holidays, "
                        "days without this service or in the past)",
                        "{booked} jour(s) réservé(s) ou déjà réservé(s), {skipped} sauté(s) (fermetures, jours "
                        "fériés, jours sans ce service ou passés)"),
    # guardians
    "flag_invalid": ("{column} must be 1 or 0, got {text!r}", "{column} vaut 1 ou 0, pas {text!r}"),
    "guardian_ref_empty": ("the guardian column (the guardian's id) is empty",
                           "la colonne guardian (l'identifiant du responsable) est vide"),
    "id_too_long_64": ("an id is longer than 64 characters", "un identifiant dépasse 64 caractères"),
    "guardian_pupil_empty": ("guardian {gid}: the person column (the pupil's id) is empty",
                             "responsable {gid} : la colonne person (l'identifiant de l'élève) est vide"),
    "guardian_last_name": ("guardian {gid}: the last name is required", "responsable {gid} : le nom est obligatoire"),
    "guardian_email": ("guardian {gid}: {detail}", "responsable {gid} : adresse e-mail refusée ({detail})"),
    "guardian_pupil_twice": ("guardian {gid} and pupil {ref} are already on line {line}",
                             "le responsable {gid} et l'élève {ref} sont déjà ligne {line}"),
    "guardian_other_email": ("guardian {gid} has another e-mail on line {line} ({email})",
                             "le responsable {gid} a une autre adresse e-mail ligne {line} ({email})"),
    "unknown_person": ("no person {ref!r} at this site (name a person by the id it was imported with, e.g. its "
                       "SIÈCLE ELEVE_ID, or by its national id INE; import the pupils first)",
                       "aucune personne {ref!r} dans cet établissement (nommez une personne par l'identifiant "
                       "de son import, par exemple son ELEVE_ID de SIÈCLE, ou par son INE ; importez d'abord "
                       "les élèves)"),
    # the store's checks of a form's values (office pages word them in French)
    "service_code_bad": ("service code {service!r}: use lower-case letters, digits, - or _",
                         "code de service {service!r} : lettres minuscules, chiffres, - ou _ seulement"),
    "service_time_bad": ("{name!f} must be HH:MM, got {value!r}", "{name!f} doit être au format HH:MM, pas {value!r}"),
    "service_ends_before_start": ("the service ends ({end}) before it starts ({start})",
                                  "le service finit ({end}) avant de commencer ({start})"),
    "price_out_of_range": ("price must be 0 to 100000 cents, got {price!r}",
                           "le prix doit être entre 0 et 1 000 € (en centimes : 0 à 100000), pas {price!r}"),
    "person_plan_bad": ("plan must be one of {plans}, got {value!r}", "le régime doit être l'un de {plans}, pas {value!r}"),
    "person_status_bad": ("status must be active or archived, got {value!r}",
                          "le statut doit être active ou archived, pas {value!r}"),
    "person_date_bad": ("{name!f} must be an ISO date, got {value!r}",
                        "{name!f} doit être une date (AAAA-MM-JJ), pas {value!r}"),
    "card_uid_bad": ("{uid!r} is not a canonical hex UID", "{uid!r} n'est pas un numéro de badge (UID hexadécimal)"),
    "staff_role_bad": ("role must be one of {roles}, got {value!r}", "le rôle doit être l'un de {roles}, pas {value!r}"),
    "payment_amount_zero": ("a payment needs a non-zero amount in cents", "un paiement doit avoir un montant non nul"),
    # the site's settings (plateau.domain.policy): the key as the settings name it
    "policy_not_bool": ("{key}: expected true or false, got {value!r}", "{key} : oui ou non attendu, pas {value!r}"),
    "policy_not_int": ("{key}: expected a whole number, got {value!r}", "{key} : nombre entier attendu, pas {value!r}"),
    "policy_not_a_choice": ("{key}: expected one of {choices}, got {value!r}",
                            "{key} : l'une de ces valeurs est attendue : {choices} ; pas {value!r}"),
    "policy_not_hhmm": ("{key}: expected HH:MM, got {value!r}", "{key} : une heure HH:MM est attendue, pas {value!r}"),
    "policy_negative": ("{key}: must not be negative", "{key} : ne peut pas être négatif"),
    "policy_digits": ("{key}: must be 6, 7 or 8", "{key} : 6, 7 ou 8"),
    "policy_below_one": ("{key}: must be at least 1", "{key} : au moins 1"),
}

TEXT.update(CALENDAR_TEXT)
