# Kaari: `kaari run` (the Telegram bot) as a non-root user, data on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    KAARI_DB_PATH=/data/kaari.sqlite3

WORKDIR /src
COPY pyproject.toml README.md CHANGELOG.md ./
COPY bot bot
COPY flows flows
COPY storage storage
COPY locales locales
# Building the wheel compiles the catalogs (locales/build_hook.py) and ships them inside the package.
RUN pip install --no-cache-dir . \
    && cd / && python -c "import bot.i18n as i; assert (i.locales_dir() / 'fi/LC_MESSAGES/bot.mo').exists()" \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin kaari \
    && mkdir -p /data && chown kaari:kaari /data \
    && rm -rf /src

USER kaari
WORKDIR /data
VOLUME ["/data"]
# Only used in webhook mode (KAARI_MODE=webhook).
EXPOSE 8443
CMD ["kaari", "run"]
