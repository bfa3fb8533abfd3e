"""RevOS Dashboard. The layers, each importing only from the ones below it:

    app_pages/, Home.py   the screens
    revos.ui              Streamlit widgets and page plumbing
    revos.tools           the `revos` command, benchmarks, AppTest driving
    revos.gateway         every read and write as the signed-in user (RLS decides)
    revos.db              the service side: embedded server, migrations, seed, adoption
    revos.domain          pure logic: metrics, periods, filters, charts, embedders

`revos.config` (settings) is read by every layer.
"""
