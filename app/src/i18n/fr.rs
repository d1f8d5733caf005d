//! The UI in French, the language of the workshop cachescope comes from.
//! French typography: a no-break space before `:` and a narrow one before
//! `;`, `?` and `!`, so they never start a line.

use super::texts::*;
use crate::format::{format_bytes, format_count, format_seconds};
use crate::types::{
    Cents, Invalid, Locale, Role, MAX_CATEGORY_LEN, MAX_FEATURES, MAX_FEATURE_LEN, MAX_ID_LEN,
    MAX_KEY_LEN, MAX_NAME_LEN, MAX_PATTERN_LEN, MAX_QUERY_CHARS, MAX_QUERY_WORDS,
};

/// French.
pub static FR: Texts = Texts {
    locale: Locale::Fr,
    common: Common {
        loading: "Chargement…",
        badge_near: "PROCHE",
        badge_cache: "CACHE",
        badge_database: "BASE",
        tier_near: "proche",
        tier_cache: "cache",
        tier_database: "base",
        in_stock: "En stock",
        out_of_stock: "Épuisé",
        role_master: "maître",
        role_replica: "réplique",
        role_node: "nœud",
        state_up: "en ligne",
        state_down: "hors ligne",
        link: "Lien",
        invalid,
        latency: "Latence",
        gauge_label: "Taux de succès du cache",
        gauge_caption: "succès",
        status_ok: "Tous les nœuds en ligne",
        status_degraded: "Dégradé",
        status_down: "Maître hors ligne",
        status_checking: "Vérification…",
    },
    nav: Nav {
        tagline: "Le cache-aside Redis, observé en direct.",
        main: "Principale",
        search: "Recherche",
        dashboard: "Tableau de bord",
        products: "Produits",
        keys: "Clés",
        language: "Langue",
    },
    search: Search {
        placeholder: "Un id comme prod1, ou des mots comme smartphone premium",
        input_label: "Rechercher des produits",
        submit: "Rechercher",
        searching: "Recherche…",
        category_label: "Catégorie",
        all_categories: "Toutes les catégories",
        min_placeholder: "Min $",
        min_label: "Prix minimum",
        max_placeholder: "Max $",
        max_label: "Prix maximum",
        answer: "Réponse",
        answer_empty: "Cherchez quelque chose\u{a0}: la première fois, la réponse vient de la base de données, ensuite du cache jusqu’à l’expiration de son TTL.",
        cache_entry: "entrée du cache\u{a0}: ",
        matching: |n, l| match n {
            0 => "Aucun produit ne correspond".to_string(),
            1 => "1 produit correspond".to_string(),
            n => format!("{} produits correspondent", format_count(n, l)),
        },
        searched_as_word: |id| {
            format!("Aucun produit n’a l’id {id}\u{202f}; voici les produits qui contiennent ce mot.")
        },
        time: "temps ",
        ttl: "TTL ",
        stats_title: "Cache",
        hits: "Succès",
        misses: "Échecs",
        lookups: "Recherches",
        response_times: "Temps de réponse",
        chart_label: "Temps de réponse récents\u{a0}: cache proche, cache Redis et base de données",
        chart_note: "échelle logarithmique, le plus récent à droite",
        recent: "Recherches récentes",
        whose: "Recherches de qui",
        mine: "Les miennes",
        everyone: "Tout le monde",
        no_search: "Aucune recherche pour l’instant.",
        again: "Relancer la recherche",
        all_products: "tous les produits",
    },
    topology: Topology {
        title: "Topologie",
        pause: "Suspendre le direct",
        resume: "Reprendre le direct",
        probed_every: |s| format!("Chaque nœud est sondé toutes les {s}\u{a0}s."),
        paused: "Direct suspendu.",
        no_report: "Aucun rapport de santé. ",
        master_unreachable: "Maître Redis injoignable. ",
        nothing_answers: |addr| format!(
            "Rien ne répond à {addr}. Lancez la topologie locale avec scripts/redis-up.sh\u{202f}; cette page se rétablit d’elle-même."
        ),
        unexpected_role: |configured, reported| {
            format!("configuré comme {configured}, se déclare {reported}")
        },
    },
    dashboard: Dashboard {
        title: "Tableau de bord en direct",
        series_app_ratio: "taux de succès de l’app",
        series_redis_ratio: "taux de succès Redis",
        series_p50: |tier| format!("{tier} p50"),
        series_p99: |tier| format!("{tier} p99"),
        gauge_lookups: "recherches",
        gauge_keyspace: "keyspace Redis",
        ops: "op/s",
        memory: "mémoire",
        clients: "clients",
        keys: "clés",
        lookups: "recherches",
        throttled: "limitées (429)",
        answered_by: "répondu par",
        near_title: "cache proche (ce serveur)",
        near_off: "désactivé",
        near_paused: "en pause",
        near_bytes: |bytes| format!("entrées · {bytes}"),
        ratio_note: [
            ("Deux taux de succès\u{a0}: ", false),
            ("recherches", true),
            (" compte chaque recherche servie sans la base de données, par le cache proche d’un serveur (dans le processus, sans aller-retour) ou par Redis\u{202f}; ", false),
            ("keyspace Redis", true),
            (" est le compte de Redis lui-même pour les lectures qui l’atteignent\u{a0}: les succès proches n’y sont pas, les lectures propres du serveur (statistiques, métriques) y sont.", false),
        ],
        ratio_chart: "Taux de succès, dernières minutes",
        ratio_chart_label: "Taux de succès dans le temps",
        latency_chart: "Temps de réponse par niveau",
        latency_chart_label: "p50 et p99 dans le temps",
        replication: "Réplication",
        reads_from: |from| format!("le cache lit depuis {from}"),
        live_lookups: "Recherches en direct",
        feed_connecting: "Connexion…",
        feed_live: "En direct",
        feed_reconnecting: |s, attempt, l| {
            format!("Reconnexion dans {} (tentative {attempt})", format_seconds(s, l))
        },
        waiting: "En attente des premières métriques…",
        node_down: |role, addr, error| format!("Redis {role} {addr} est hors ligne\u{a0}: {error}"),
        syncing: |addr| format!("La réplique {addr} se synchronise avec son maître."),
        no_link: |addr| format!("La réplique {addr} n’a plus de lien avec son maître."),
        all_clear: "Tous les nœuds sont en ligne et synchronisés.",
        offset: "Offset",
        behind: "Retard",
        heartbeat: "Battement",
        lag: "Décalage",
        last_io: "Dernier échange",
        seconds_ago: |s| format!("il y a {s}\u{a0}s"),
    },
    sentinel: Sentinel {
        in_progress: "Basculement en cours. ",
        in_progress_body: "Le maître est hors ligne et les Sentinels promeuvent une réplique. Les lectures continuent sur les répliques\u{202f}; les écritures sont refusées (503) jusqu’à la bascule.",
        complete: "Basculement terminé. ",
        complete_body: |to, from, took| format!("{to} a remplacé {from} comme maître en {took}."),
        no_quorum_title: "Aucun basculement possible. ",
        no_quorum_body: |detail| format!("Les Sentinels n’atteignent pas la majorité\u{a0}: {detail}"),
        quorum_ok: |up, total| format!("quorum atteignable · {up} sur {total} en ligne"),
        quorum_missing: |up, total| format!("pas de quorum · {up} sur {total} en ligne"),
        master_name: |name| format!("nom du maître {name}"),
        role: "sentinel",
        master: "Maître",
        failovers: "Basculements",
        none_yet: "Aucun depuis le démarrage de ce serveur.",
        when: "Quand (UTC)",
        from: "De",
        to: "Vers",
        took: "Durée",
    },
    products: Products {
        title: "Produits",
        sort_label: "Trier par prix",
        price_asc: "Prix ↑",
        price_desc: "Prix ↓",
        intro: "Lus directement dans la base de produits, par ses index.",
        loading: "Chargement des produits…",
        cannot_list: "Impossible de lister les produits. ",
        categories: "Catégories",
        all: "Toutes",
        count: |first, last, total, l| {
            format!(
                "{}–{} sur {} produits",
                format_count(first, l),
                format_count(last, l),
                format_count(total, l)
            )
        },
        none: "Aucun produit ne correspond.",
        previous: "← Précédents",
        next: "Suivants →",
        back: "← Tous les produits",
        id: "Id",
        category: "Catégorie",
        stock: "Stock",
        redis_key: "Clé Redis",
        served_by: "servi par GET /api/db/product",
    },
    keys: Keys {
        title: "Clés",
        intro: "Une étape de SCAN à la fois\u{202f}; jamais KEYS.",
        pattern_label: "Motif de clé",
        pattern_placeholder: "Motif, comme db:* ou cache:product:*",
        type_label: "Type de clé",
        all_types: "Tous les types",
        scan: "Parcourir",
        scanning: "Parcours…",
        total: |total, pattern, l| {
            format!(
                "{} clés dans la base\u{202f}; correspondant à {pattern}\u{a0}:",
                format_count(total, l)
            )
        },
        load_more: "Charger la suite",
        loading: "Chargement…",
        key: "Clé",
        kind: "Type",
        ttl: "TTL",
        size: "Taille",
        none: "Aucune clé correspondante dans les étapes parcourues jusqu’ici.",
        no_ttl: "aucun",
        bytes: |n, l| format!("{} octets", format_count(n, l)),
        elements: |n, l| format!("{} éléments", format_count(n, l)),
        truncated: "Coupé\u{a0}: seul le début est affiché (au plus 100 éléments de 1 Kio chacun, 64 Kio en tout).",
        element_cut: |bytes, l| format!("coupé à 1 Kio sur {}", format_bytes(bytes, l)),
        hidden: |n, l| format!("{} clés de ces étapes ne sont pas montrées à votre rôle.", format_count(n, l)),
        admin_token: "Jeton d’administration",
        evict: "Évincer",
        evicted: "Évincée\u{a0}: la prochaine recherche lira la base de données.",
        already_gone: "Déjà partie (expirée ou évincée).",
        look_up: "La rechercher",
    },
    not_found: NotFound {
        title: "Page introuvable",
        body: "Rien n’existe à cette adresse.",
        back: "Retour à cachescope",
    },
    access: Access {
        token_label: "Jeton lecteur ou administrateur",
        token_placeholder: "Jeton",
        sign_in: "Se connecter",
        sign_out: "Se déconnecter",
        role: |role| match role {
            Role::Public => "public",
            Role::Viewer => "lecteur",
            Role::Admin => "administrateur",
        },
        signed_in_as: "Connecté\u{a0}:",
        loopback: "Ouvert sur cette machine (pas de VIEWER_TOKEN, boucle locale seulement)",
        failed: "Échec de la connexion\u{a0}:",
        details_for_viewers: "Les détails des nœuds, de la réplication et de Sentinel sont réservés aux lecteurs\u{a0}: connectez-vous avec le jeton lecteur dans la barre du haut.",
        searches_for_viewers: "Les recherches de tous sont réservées aux lecteurs\u{202f}; les vôtres sont sous «\u{a0}Mes recherches\u{a0}».",
    },
};

/// Why an input is refused, in French (the server's English sentence is
/// `Invalid`'s `Display`).
fn invalid(invalid: &Invalid) -> String {
    let n = |value: usize| format_count(value as u64, Locale::Fr);
    let field = |name: &'static str| match name {
        "min_price" => "le prix minimum",
        "max_price" => "le prix maximum",
        "the price" => "le prix",
        other => other,
    };
    let price = |value: f64| value.to_string().replace('.', ",");
    match invalid {
        Invalid::IdLength => format!("un identifiant de produit a de 1 à {} caractères", n(MAX_ID_LEN)),
        Invalid::IdCharacters => {
            "un identifiant de produit ne contient que des lettres, des chiffres, «\u{a0}_\u{a0}» et «\u{a0}-\u{a0}»".to_string()
        }
        Invalid::CategoryLength => format!("une catégorie a de 1 à {} caractères", n(MAX_CATEGORY_LEN)),
        Invalid::CategoryCharacters => {
            "une catégorie ne contient que des minuscules, des chiffres, «\u{a0}_\u{a0}» et «\u{a0}-\u{a0}»".to_string()
        }
        Invalid::PriceRange { field: name } => format!(
            "{} doit être un nombre de 0 à {}",
            field(name),
            format_count(Cents::MAX.split().0, Locale::Fr)
        ),
        Invalid::PriceCents { field: name } => format!(
            "{} est un nombre entier de centimes (deux décimales au plus)",
            field(name)
        ),
        Invalid::NotANumber { field: name, value } => {
            format!("{} doit être un nombre, pas «\u{a0}{value}\u{a0}»", field(name))
        }
        Invalid::WholeRange { field: name, min, max } => format!(
            "{} doit être un nombre entier de {} à {}",
            field(name),
            format_count(*min, Locale::Fr),
            format_count(*max, Locale::Fr)
        ),
        Invalid::MinAboveMax { min, max } => format!(
            "le prix minimum ({}) dépasse le prix maximum ({})",
            price(*min),
            price(*max)
        ),
        Invalid::NameEmpty => "le nom ne doit pas être vide".to_string(),
        Invalid::NameLength => format!("le nom a au plus {} caractères", n(MAX_NAME_LEN)),
        Invalid::TooManyFeatures => format!("un produit a au plus {} caractéristiques", n(MAX_FEATURES)),
        Invalid::FeatureLength => format!("chaque caractéristique a de 1 à {} caractères", n(MAX_FEATURE_LEN)),
        Invalid::Order => "order vaut price_asc ou price_desc".to_string(),
        Invalid::QueryLength => format!("une recherche a au plus {} caractères", n(MAX_QUERY_CHARS)),
        Invalid::TooManyWords => format!("une recherche combine au plus {} mots", n(MAX_QUERY_WORDS)),
        Invalid::NotCanonical(text) => format!("recherche enregistrée illisible\u{a0}: «\u{a0}{text}\u{a0}»"),
        Invalid::PatternLength => format!("le motif a au plus {} octets", n(MAX_PATTERN_LEN)),
        Invalid::KeyType => "le type est string, list, set, zset, hash ou stream".to_string(),
        Invalid::Cursor => "le curseur est le nombre rendu par la page précédente".to_string(),
        Invalid::KeyLength => format!("une clé a de 1 à {} octets", n(MAX_KEY_LEN)),
    }
}
