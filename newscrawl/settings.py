"""Scrapy settings for newscrawl: polite by default, Arabic-readable UTF-8 feeds.

Works from any directory with ``SCRAPY_SETTINGS_MODULE=newscrawl.settings``.
"""

import os

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"
COMMANDS_MODULE = "newscrawl.commands"

# --- politeness (a loopback mirror switches the throttling off; see NetworkSpider.from_crawler)
ROBOTSTXT_OBEY = True
# Names the crawler, without a contact of its own: operators add theirs (README "Crawling the real site").
USER_AGENT = "Mozilla/5.0 (compatible; newscrawl/0.1)"
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Scrapy starts CONCURRENT_ITEMS asyncio tasks for every response's output, whatever its size;
# the default 100 cost about a tenth of a mirror crawl's CPU (py-spy, README "Performance").
# The pipelines are synchronous, so more than a few in flight gains nothing.
CONCURRENT_ITEMS = 4
# Scrapy's in-memory stats without its per-call deprecation wrapper: ~2% of a mirror crawl's CPU (newscrawl/stats.py).
STATS_CLASS = "newscrawl.stats.FastStatsCollector"
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # article pages are ~150 KB; anything near 10 MB is not one
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# Retries inside a run: exponential backoff with jitter, Retry-After honoured (newscrawl.retry).
# Five retries, so a page that fails its first three requests still comes out in this run.
RETRY_TIMES = 5
NEWSCRAWL_RETRY_BACKOFF_BASE = 1.0  # seconds; the n-th retry waits up to base * 2**(n-1), at random
NEWSCRAWL_RETRY_BACKOFF_MAX = 60.0  # cap of one backoff delay
NEWSCRAWL_RETRY_AFTER_MAX = 120.0  # a server's Retry-After is honoured up to this many seconds
# A page that downloaded but is no use (empty, garbled, cut) is retried from its callback
# (newscrawl.retry.retry_later) with the first fetch's meta on purpose: one retry count for the
# download and parse retries together, and the redirect trail that names the URL asked for.
# Scrapy would warn once a crawl that these were copied by mistake.
META_COPY_WARN_SKIP_KEYS = ["retry_times", "redirect_urls", "redirect_times", "redirect_ttl", "redirect_reasons"]
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    # Before everything: a crawl from archives (-a warc=) is answered from WARC records, never the network.
    "newscrawl.archive.ArchiveReplayMiddleware": 5,
    # First, so it sees every request and every redirect, whatever dont_filter says.
    "newscrawl.offsite.SiteBoundaryMiddleware": 50,
    # Scrapy's lets through the requests that wait for robots.txt (newscrawl.robots).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newscrawl.robots.RobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newscrawl.retry.BackoffRetryMiddleware": 550,
    # Below the retries (exceptions travel from high numbers to low): one line per site that
    # cannot be reached at all (DNS, refused, no answer), instead of a traceback.
    "newscrawl.reachability.UnreachableSiteMiddleware": 540,
    # Above HttpCompressionMiddleware (590): the length a gzip body says its page has.
    "newscrawl.middlewares.GzipTrailerMiddleware": 595,
    # After HttpCompressionMiddleware (590) so the body it sees is decompressed.
    "newscrawl.middlewares.ArabicEncodingMiddleware": 600,
    # Above decompression (590) and the encoding fix (600): pages are archived as the server sent them.
    "newscrawl.archive.ArchiveMiddleware": 610,
}

EXTENSIONS = {
    "newscrawl.incremental.CrawlStateExtension": 100,
    "newscrawl.extensions.StatsFile": 500,
    # Post-crawl monitors; below StatsFile so the monitor stats reach NEWSCRAWL_STATS_FILE.
    # Spidermon's extension, logging a short summary instead of unittest-style tracebacks.
    "newscrawl.monitors.Spidermon": 400,
    # After Spidermon (so the monitors' outcome is known): one history row per run (scrapy runs, scrapy report).
    "newscrawl.runs.RunHistoryExtension": 450,
    # Last, so its final summary is the crawl's last line.
    "newscrawl.progress.Progress": 900,
}
NEWSCRAWL_PROGRESS_INTERVAL = 30  # seconds between "Progress:" log lines; 0 = none
NEWSCRAWL_PROGRESS_BAR = "auto"  # live status line on stderr, only when it is a terminal; False = never
LOGSTATS_INTERVAL = 0  # the Progress line replaces Scrapy's "Crawled N pages" line

# --- post-crawl monitors (Spidermon; see newscrawl/monitors.py and the README)
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["newscrawl.monitors.CrawlMonitorSuite"]
SPIDERMON_ADD_FIELD_COVERAGE = True  # count, per field, the scraped items that have a value
SPIDERMON_FIELD_COVERAGE_SKIP_NONE = True  # None (an unsigned story's author) is not a value
SPIDERMON_DICT_FIELDS_COVERAGE_LEVELS = 0  # don't count keys inside Article.extraction
NEWSCRAWL_MONITOR_MIN_ITEMS = 1
NEWSCRAWL_MONITOR_COVERAGE = {"headline": 0.95, "body": 0.95, "date_published": 0.9, "author": 0.3}
NEWSCRAWL_MONITOR_MAX_ERRORS = 0  # ERROR log lines other than retry give-ups
NEWSCRAWL_MONITOR_FINISH_REASONS = ["finished"]
NEWSCRAWL_MONITOR_REPORT = "reports/%(name)s.json"  # "" = no report file
NEWSCRAWL_MONITOR_EXIT_STATUS = 0  # e.g. 3: `scrapy crawl` exits 3 when a monitor failed
NEWSCRAWL_SILENT_HOURS = 48  # "New articles" monitor: fails when no run kept a new article for this long (0 = off)
NEWSCRAWL_MONITOR_STORYLESS_LISTINGS = 0.5  # "Listings" monitor: largest share of listing pages read that link no story
NEWSCRAWL_RUN_HISTORY = True  # one row per run in NEWSCRAWL_STATE_DIR/state.sqlite (scrapy runs, scrapy report)
# Alerts when a monitor failed (newscrawl/alerts.py). E-mail: on when SPIDERMON_EMAIL_TO is set,
# with Spidermon's settings SPIDERMON_SMTP_HOST, SPIDERMON_SMTP_PORT, SPIDERMON_SMTP_USER,
# SPIDERMON_SMTP_PASSWORD, SPIDERMON_SMTP_ENFORCE_TLS / _SSL, SPIDERMON_EMAIL_SENDER, ...
NEWSCRAWL_ALERT_WEBHOOK = ""  # Slack / Mattermost / Discord incoming-webhook URL ("" = off)
NEWSCRAWL_ALERT_TIMEOUT = 30  # seconds to deliver one alert

ITEM_PIPELINES = {
    "newscrawl.pipelines.RequiredFieldsPipeline": 100,
    "newscrawl.pipelines.LanguagePipeline": 150,  # before dedupe: a dropped story keeps no title
    "newscrawl.pipelines.DatePipeline": 200,
    "newscrawl.pipelines.TitleDedupePipeline": 300,
}

# --- feeds: one JSON Lines file per run; UTF-8 keeps Arabic readable (no \u escapes)
FEED_EXPORT_ENCODING = "utf-8"
# Per-run files only for a run that added something: an hourly run with nothing new writes no
# empty .jsonl and no empty JSON Feed (the rolling feed is rewritten every run regardless).
FEEDS = {
    "feeds/%(name)s/%(time)s.jsonl": {"format": "jsonlines", "encoding": "utf-8", "store_empty": False},
    "feeds/%(name)s/%(time)s.json": {"format": "jsonfeed", "store_empty": False},
}
FEED_URI_PARAMS = "newscrawl.feedstorage.run_uri_params"  # %(time)s = the run's start, for every file it writes
FEED_EXPORTERS = {
    "jsonfeed": "newscrawl.jsonfeed.JsonFeedItemExporter",  # -O out.json:jsonfeed (JSON Feed 1.1)
    "atom": "newscrawl.exporters.AtomItemExporter",  # -O out.atom:atom
    "csv": "newscrawl.exporters.CsvItemExporter",  # -O out.csv: the layout of `scrapy export -o out.csv`
}
FEED_STORAGES = {
    "": "newscrawl.feedstorage.UnbufferedFileFeedStorage",
    "file": "newscrawl.feedstorage.UnbufferedFileFeedStorage",
}

# --- newscrawl's own settings
NEWSCRAWL_STATE_DIR = ".newscrawl"  # SQLite state (kept articles and titles, URL outcomes) lives here
NEWSCRAWL_INCREMENTAL = True  # skip article pages earlier runs settled; -a refresh=1 fetches them again
NEWSCRAWL_RETRY_FAILED_AFTER = 6  # hours: longest wait before a page that keeps failing is tried again by a later run
NEWSCRAWL_TITLES_RETENTION = 90  # days: titles added to the dedupe store longer ago are pruned (0 = never)
NEWSCRAWL_ROLLING_FEED = "feeds/%(name)s.json"  # JSON Feed of the newest stored articles ("" = off)
NEWSCRAWL_FEED_SIZE = 100  # articles in the rolling feed
NEWSCRAWL_FEED_PUBLIC_URL = ""  # the rolling feed's public URL (its feed_url), e.g. "https://news.example.org/feeds/%(name)s.json"
NEWSCRAWL_FEED_HOME_URL = ""  # every feed's home_page_url (Atom: alternate link); "" = the site's home page
NEWSCRAWL_DEDUPE_WINDOW = 3  # days: a title seen again within this window is a duplicate
NEWSCRAWL_DUPLICATES_FEED = "feeds/%(name)s/%(time)s.duplicates.jsonl"  # audit: url, headline, duplicate_of ("" = off)
NEWSCRAWL_LANGUAGES = ""  # e.g. "ar,fr": keep only articles in these languages (ISO 639-1); "" = all
NEWSCRAWL_DEFAULT_TIMEZONE = "UTC"  # for spiders without a site time zone
# Raw archive (README "Archives and backfill"): every article page received, as WARC, so a fixed
# extraction can be re-run (scrapy reextract) without crawling again. "" = off.
NEWSCRAWL_ARCHIVE = "archive/%(name)s/%(time)s.warc.gz"
NEWSCRAWL_ARCHIVE_MAX_SIZE = 1024  # MB per WARC file before the next one starts
NEWSCRAWL_ARCHIVE_ALL_PAGES = False  # True: listings, feeds and sitemaps too, not only article pages
NEWSCRAWL_CCNEWS_BASE = "https://data.commoncrawl.org/"  # scrapy ccnews: crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz under it
NEWSCRAWL_STATS_FILE = ""  # e.g. "stats/%(name)s.json": final crawl stats as JSON
# Shared crawl (README "Scaling out"): every worker given this Redis URL crawls one frontier, with
# one request filter, one state and one title store in Redis. "" = one process, SQLite state.
NEWSCRAWL_REDIS_URL = os.environ.get("NEWSCRAWL_REDIS_URL", "")
NEWSCRAWL_REDIS_IDLE_SECONDS = 30  # a worker ends once the whole shared frontier has been empty this long
# Hours a listing's shortcut and a feed's validators are trusted: at least this often each
# listing is walked whole and each feed read without validators (a backdated story, a listing
# not sorted newest first, a feed whose 304 lies). 0: every run.
NEWSCRAWL_REVALIDATE_HOURS = 24
NEWSCRAWL_REDIS_WORKER_TIMEOUT = 60  # seconds without a heartbeat before a worker counts as dead (its requests go back)
# Seconds a worker waits for a Redis that stopped answering (a restart, a failover) before it
# stops with finish reason redis_lost and exit status 1 (what it held stays for the next run).
NEWSCRAWL_REDIS_OUTAGE_SECONDS = 120
# Seconds the claim of a worker that stopped before recording an article holds the others off
# (its feed may hold the article; it reads it back when started again in its directory).
NEWSCRAWL_REDIS_CLAIM_HOLD = 3 * 86400

LOG_LEVEL = "INFO"
LOG_FORMATTER = "newscrawl.logformatter.NewscrawlLogFormatter"
