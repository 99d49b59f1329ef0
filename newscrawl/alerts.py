"""Alerts when a post-crawl monitor fails: e-mail (Spidermon's SMTP action) and a chat webhook.

Both are Spidermon actions that :class:`newscrawl.monitors.CrawlMonitorSuite` runs when a
monitor failed, each only when configured:

* **E-mail**, on when ``SPIDERMON_EMAIL_TO`` is set, configured by Spidermon's own settings:
  ``SPIDERMON_SMTP_HOST``, ``SPIDERMON_SMTP_PORT`` (25), ``SPIDERMON_SMTP_USER`` /
  ``SPIDERMON_SMTP_PASSWORD`` (both or neither), ``SPIDERMON_SMTP_ENFORCE_SSL`` (SMTPS) or
  ``SPIDERMON_SMTP_ENFORCE_TLS`` (STARTTLS), ``SPIDERMON_EMAIL_SENDER``, ``SPIDERMON_EMAIL_TO``
  / ``_CC`` / ``_BCC`` / ``_REPLY_TO``, ``SPIDERMON_EMAIL_SUBJECT`` and ``SPIDERMON_BODY_TEXT``
  (Jinja templates; newscrawl's context adds ``alert_subject`` and ``alert_text``).

  :class:`SendSmtpEmail` is Spidermon's ``SendSmtpEmail`` (its settings, its message) with the
  sending replaced. Spidermon 1.27 hands the message to ``scrapy.mail.MailSender``, which is
  deprecated, sends through Twisted without anyone waiting for the result (the crawl ends and
  the reactor stops while the mail may still be on its way; failures are lost; with TLS it
  logs a ``'NoneType' object has no attribute 'bio_read'`` traceback after sending,
  scrapinghub/spidermon#412), wraps the MIME message into the body of a second one, and
  refuses to run without a user and password, which a local relay does not need. Here the
  message goes out with :mod:`smtplib`, synchronously, within ``NEWSCRAWL_ALERT_TIMEOUT``
  seconds, and a failure is one ERROR line (the crawl's own outcome is unchanged).

* **Webhook**, on when ``NEWSCRAWL_ALERT_WEBHOOK`` is set: a JSON POST of
  ``{"text": ..., "content": ...}``, the message format of Slack and Mattermost incoming
  webhooks (``text``) and of Discord webhooks (``content``, cut to Discord's 2,000
  characters). Spidermon's own Slack action needs a bot token and its Discord action sends
  ``content`` only, so neither serves all three.

The message is the monitors' summary as the log shows it (:func:`newscrawl.monitors.summary_lines`):
which monitor failed, what it expected, what it found.
"""

from __future__ import annotations

import json
import smtplib
import threading
import socket
import ssl
import urllib.error
import urllib.request
import warnings
from email.header import Header
from urllib.parse import urlsplit

from scrapy.exceptions import ScrapyDeprecationWarning

# Spidermon's SMTP module imports scrapy.mail, which Scrapy deprecates; its MailSender is the part
# replaced below, so the warning (on every crawl) says nothing to act on. Only that one, only there.
warnings.filterwarnings("ignore", message=r"The scrapy\.mail module is deprecated", category=ScrapyDeprecationWarning,
                        module=r"spidermon\.")

from spidermon.contrib.actions.email import SendEmail  # noqa: E402
from spidermon.contrib.actions.email.smtp import SendSmtpEmail as SpidermonSendSmtpEmail  # noqa: E402
from spidermon.core.actions import Action  # noqa: E402
from spidermon.exceptions import NotConfigured  # noqa: E402

DEFAULT_TIMEOUT = 30.0
DISCORD_LIMIT = 2000


class AlertError(Exception):
    """An alert could not be delivered (one sentence)."""


def alert_subject(crawler, spider_name: str) -> str:
    report = getattr(crawler, "newscrawl_monitor_report", None) or {}
    failed = ", ".join(report.get("failed") or []) or "a monitor"
    return f"[newscrawl] {spider_name}: {failed} failed"


def alert_text(crawler, spider_name: str) -> str:
    """What an alert says: the monitors' summary, the run's times and where the report is."""
    from newscrawl.monitors import summary_lines

    report = getattr(crawler, "newscrawl_monitor_report", None) or {}
    entries = report.get("monitors") or []
    target = getattr(crawler, "newscrawl_monitor_report_path", None)
    lines = summary_lines(spider_name, entries, target)
    lines[0] = lines[0].replace("Crawl monitors", f"newscrawl on {socket.gethostname()}: crawl monitors", 1)
    lines.append(f"Run: started {report.get('start_time') or '?'}, finished {report.get('finish_time') or '?'} "
                 f"({report.get('finish_reason') or '?'}), {report.get('items', 0)} items scraped.")
    lines.append("History: scrapy runs " + spider_name + "; charts: scrapy report")
    return "\n".join(lines)


class SendSmtpEmail(SpidermonSendSmtpEmail):
    """Spidermon's SMTP e-mail action, sending with :mod:`smtplib` (see the module's docstring)."""

    subject = "{{ alert_subject }}"
    body_text = "{{ alert_text }}"
    body_html_template = None  # plain text; SPIDERMON_BODY_HTML(_TEMPLATE) adds an HTML part

    def __init__(self, smtp_host=None, smtp_port=None, smtp_user=None, smtp_password=None,  # noqa: PLR0913
                 smtp_enforce_tls=None, smtp_enforce_ssl=None, *args, timeout=DEFAULT_TIMEOUT, **kwargs):
        # Spidermon's __init__ insists on a user and a password; its parent's checks are kept.
        SendEmail.__init__(self, *args, **kwargs)
        self.smtp_host = smtp_host
        self.smtp_port = smtp_port or (465 if smtp_enforce_ssl else 25)
        self.smtp_user = smtp_user
        self.smtp_password = smtp_password
        self.smtp_enforce_tls = bool(smtp_enforce_tls)
        self.smtp_enforce_ssl = bool(smtp_enforce_ssl)
        self.timeout = timeout
        if not self.smtp_host:
            raise NotConfigured("SPIDERMON_EMAIL_TO is set but SPIDERMON_SMTP_HOST is not: set the SMTP server")
        if bool(smtp_user) != bool(smtp_password):
            raise NotConfigured("set both SPIDERMON_SMTP_USER and SPIDERMON_SMTP_PASSWORD, or neither")
        if not self.sender:
            raise NotConfigured("SPIDERMON_EMAIL_TO is set but SPIDERMON_EMAIL_SENDER is not: set the From address")

    @classmethod
    def from_crawler_kwargs(cls, crawler):
        kwargs = super().from_crawler_kwargs(crawler)
        kwargs["timeout"] = crawler.settings.getfloat("NEWSCRAWL_ALERT_TIMEOUT", DEFAULT_TIMEOUT)
        return kwargs

    def get_template_context(self):
        context = super().get_template_context()
        name = self.data.spider.name
        context.update(alert_subject=alert_subject(self.data.crawler, name),
                       alert_text=alert_text(self.data.crawler, name))
        return context

    def get_message(self):
        message = super().get_message()
        subject = message["Subject"]
        del message["Subject"]
        message["Subject"] = Header(subject, "utf-8")  # a site's Arabic name stays readable
        return message

    def send_message(self, message, **kwargs):
        recipients = list(self.to) + list(self.cc or []) + list(self.bcc or [])
        del message["Bcc"]  # delivered to, never shown
        where = f"{self.smtp_host}:{self.smtp_port}"
        within_deadline(lambda: self._deliver(message, recipients, where), self.timeout,
                        f"cannot send the alert e-mail through {where}")

    def _deliver(self, message, recipients, where) -> None:
        try:
            if self.smtp_enforce_ssl:
                client = smtplib.SMTP_SSL(self.smtp_host, self.smtp_port, timeout=self.timeout,
                                          context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=self.timeout)
            with client:
                if self.smtp_enforce_tls and not self.smtp_enforce_ssl:
                    client.starttls(context=ssl.create_default_context())
                if self.smtp_user:
                    client.login(self.smtp_user, self.smtp_password)
                client.send_message(message, from_addr=self.sender, to_addrs=recipients)
        except (OSError, smtplib.SMTPException) as error:
            raise AlertError(f"cannot send the alert e-mail through {where}: {error}") from None


class SendWebhook(Action):
    """POST the alert as Slack / Mattermost / Discord-compatible JSON to ``NEWSCRAWL_ALERT_WEBHOOK``."""

    def __init__(self, url: str | None = None, timeout: float = DEFAULT_TIMEOUT):
        super().__init__()
        if not url:
            raise NotConfigured("set NEWSCRAWL_ALERT_WEBHOOK to the webhook URL")
        self.url = url
        self.timeout = timeout

    @classmethod
    def from_crawler_kwargs(cls, crawler):
        return {"url": crawler.settings.get("NEWSCRAWL_ALERT_WEBHOOK"),
                "timeout": crawler.settings.getfloat("NEWSCRAWL_ALERT_TIMEOUT", DEFAULT_TIMEOUT)}

    def payload(self) -> dict:
        text = alert_text(self.data.crawler, self.data.spider.name)
        content = text if len(text) <= DISCORD_LIMIT else text[:DISCORD_LIMIT - 1] + "…"
        return {"text": text, "content": content}

    def run_action(self):
        body = json.dumps(self.payload(), ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8",
                                                  "User-Agent": "newscrawl alerts"})
        shown = _without_secret(self.url)
        within_deadline(lambda: self._post(request, shown), self.timeout,
                        f"cannot post the alert to the webhook {shown}")

    def _post(self, request, shown) -> None:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            raise AlertError(f"the alert webhook {shown} answered HTTP {error.code}") from None
        except (OSError, urllib.error.URLError) as error:
            raise AlertError(f"cannot post the alert to the webhook {shown}: {getattr(error, 'reason', error)}") from None


def within_deadline(send, timeout: float, what: str) -> None:
    """Run *send* with an overall deadline. Socket timeouts bound each read, not a delivery: a
    server that drips a byte a second would hold the crawl's close (and its history row) for
    ever. A daemon thread left behind dies with the process."""
    outcome: list[BaseException | None] = []

    def run():
        try:
            send()
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001 (handed to the caller's thread)
            outcome.append(error)

    thread = threading.Thread(target=run, name="newscrawl-alert", daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        raise AlertError(f"{what}: no answer within NEWSCRAWL_ALERT_TIMEOUT ({timeout:g} s); gave up")
    if outcome[0] is not None:
        raise outcome[0]


def _without_secret(url: str) -> str:
    """A webhook URL's path is its secret (Slack, Discord): logs show the host only."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…" if parts.path not in ("", "/") else url


def alert_actions(settings) -> list[type[Action]]:
    """The alert actions the settings switch on."""
    actions: list[type[Action]] = []
    if settings.getlist("SPIDERMON_EMAIL_TO"):
        actions.append(SendSmtpEmail)
    if settings.get("NEWSCRAWL_ALERT_WEBHOOK"):
        actions.append(SendWebhook)
    return actions


def check_alert_settings(settings) -> None:
    """Raise ValueError (one sentence) for alert settings that cannot work, before the crawl
    starts rather than when it ends."""
    if settings.getlist("SPIDERMON_EMAIL_TO"):
        if not settings.get("SPIDERMON_SMTP_HOST"):
            raise ValueError("SPIDERMON_EMAIL_TO is set but SPIDERMON_SMTP_HOST is not: name the SMTP server "
                             "that sends the alerts")
        if not settings.get("SPIDERMON_EMAIL_SENDER"):
            raise ValueError("SPIDERMON_EMAIL_TO is set but SPIDERMON_EMAIL_SENDER is not: set the alerts' From "
                             "address")
        if bool(settings.get("SPIDERMON_SMTP_USER")) != bool(settings.get("SPIDERMON_SMTP_PASSWORD")):
            raise ValueError("set both SPIDERMON_SMTP_USER and SPIDERMON_SMTP_PASSWORD, or neither")
        try:
            port_ok = settings.get("SPIDERMON_SMTP_PORT") in (None, "") or 0 < settings.getint("SPIDERMON_SMTP_PORT") < 65536
        except ValueError:
            port_ok = False
        if not port_ok:
            raise ValueError(f"SPIDERMON_SMTP_PORT must be a port number (1-65535), got "
                             f"{settings.get('SPIDERMON_SMTP_PORT')!r}")
        if settings.getbool("SPIDERMON_SMTP_ENFORCE_SSL") and settings.getbool("SPIDERMON_SMTP_ENFORCE_TLS"):
            raise ValueError("set SPIDERMON_SMTP_ENFORCE_SSL (TLS from the start, port 465) or "
                             "SPIDERMON_SMTP_ENFORCE_TLS (STARTTLS), not both")
        for name in ("SPIDERMON_EMAIL_TO", "SPIDERMON_EMAIL_CC", "SPIDERMON_EMAIL_BCC"):
            bad = [a for a in settings.getlist(name) if "@" not in a.strip() or " " in a.strip()]
            if bad or (name == "SPIDERMON_EMAIL_TO" and not any(a.strip() for a in settings.getlist(name))):
                raise ValueError(f"{name} must list e-mail addresses, got {settings.get(name)!r}")
    url = settings.get("NEWSCRAWL_ALERT_WEBHOOK")
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc
                or any(c.isspace() or ord(c) < 32 for c in url)):
        raise ValueError(f"NEWSCRAWL_ALERT_WEBHOOK must be an http:// or https:// URL, got {url!r}")
    try:
        timeout = settings.getfloat("NEWSCRAWL_ALERT_TIMEOUT", DEFAULT_TIMEOUT)
    except ValueError:
        timeout = 0
    if not timeout > 0:
        raise ValueError(f"NEWSCRAWL_ALERT_TIMEOUT must be a number of seconds above 0, got "
                         f"{settings.get('NEWSCRAWL_ALERT_TIMEOUT')!r}")
    try:
        settings.getbool("NEWSCRAWL_RUN_HISTORY", True)
    except ValueError:
        raise ValueError(f"NEWSCRAWL_RUN_HISTORY must be True or False, got "
                         f"{settings.get('NEWSCRAWL_RUN_HISTORY')!r}") from None
    try:
        hours = settings.getfloat("NEWSCRAWL_SILENT_HOURS", 48)
    except ValueError:
        hours = -1
    if hours < 0:
        raise ValueError(f"NEWSCRAWL_SILENT_HOURS must be a number of hours (0 = off), got "
                         f"{settings.get('NEWSCRAWL_SILENT_HOURS')!r}")
