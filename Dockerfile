# The same steps as the README: install into .venv/, then `tfpatterns serve` (which migrates first).
FROM python:3.11-slim-bookworm

RUN useradd --create-home --uid 10001 tfp && install -d -o tfp -g tfp /srv/tfpatterns
WORKDIR /srv/tfpatterns
COPY --chown=tfp:tfp . .
USER tfp
RUN scripts/install && mkdir -p data

ENV TFP_DATABASE_URL=sqlite:////srv/tfpatterns/data/tfpatterns.sqlite3
VOLUME ["/srv/tfpatterns/data"]
EXPOSE 8000
CMD [".venv/bin/tfpatterns", "serve", "--host", "0.0.0.0", "--port", "8000"]
