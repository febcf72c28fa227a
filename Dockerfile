# Kaari: `kaari run` (the Telegram bot) as a non-root user (uid 10001), data on a volume.
FROM python:3.11-slim

# MPLCONFIGDIR is in the image, not on the volume and not /tmp: matplotlib's font cache is built below, at
# image build time, and is still there at every start.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/opt/kaari/matplotlib \
    KAARI_DB_PATH=/data/kaari.sqlite3 \
    KAARI_LISTEN=0.0.0.0

WORKDIR /src
COPY pyproject.toml README.md CHANGELOG.md constraints.txt ./
COPY bot bot
COPY flows flows
COPY storage storage
COPY locales locales
# Building the wheel compiles the catalogs (locales/build_hook.py) and ships only the .mo files in the package;
# the dependencies are the versions CI tested (constraints.txt), never whatever was released last night.
RUN pip install --no-cache-dir -c constraints.txt . \
    && cd / && python -c "import bot.i18n as i; assert (i.locales_dir() / 'fi/LC_MESSAGES/bot.mo').exists()" \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin kaari \
    && mkdir -p /data "$MPLCONFIGDIR" && chown kaari:kaari /data "$MPLCONFIGDIR" \
    && rm -rf /src

USER kaari
WORKDIR /data
# The font cache, built once as the user who draws the circles.
RUN python -c "import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt; \
fig = plt.figure(); fig.text(0.5, 0.5, 'Kaari åäö ÅÄÖ'); fig.savefig('/dev/null', format='png')" \
    && ls "$MPLCONFIGDIR"/fontlist-*.json

VOLUME ["/data"]
# Only used in webhook mode (KAARI_MODE=webhook); the host decides what is published (`-p`).
EXPOSE 8443
# The same check as GET /readyz (the database answers, every migration is applied, the ticker's heartbeat is
# recent), read from the database so that it works in polling mode too, where nothing serves HTTP. compose.yaml
# asks /readyz itself.
HEALTHCHECK --interval=1m --timeout=10s --start-period=1m --retries=3 CMD ["kaari", "health"]
CMD ["kaari", "run"]
