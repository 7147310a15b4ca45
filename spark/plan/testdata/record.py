"""Records Spark's `sql?details=true` for one join + aggregate query, polled while it runs and once after its end,
as the test data of spark/plan (a real PySpark driver, local[2]):

    .venv/bin/python spark/plan/testdata/record.py sort_merge_join.json
    .venv/bin/python spark/plan/testdata/record.py broadcast_join.json --broadcast
"""

import argparse
import json
import threading
import urllib.request

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--broadcast", action="store_true", help="let Spark broadcast the small side (no sort-merge join)")
    args = ap.parse_args()
    b = SparkSession.builder.master("local[2]").config("spark.ui.port", "4057")
    if args.broadcast:
        rows, query = 2_000_000, "broadcast join + aggregate, AQE on"
    else:
        b = b.config("spark.sql.autoBroadcastJoinThreshold", "-1").config("spark.sql.shuffle.partitions", "4")
        rows, query = 1_000_000, "sort-merge join + aggregate + orderBy, AQE on"
    spark = b.getOrCreate()
    base = f"http://127.0.0.1:4057/api/v1/applications/{spark.sparkContext.applicationId}/sql"
    big = spark.range(0, rows, 1, 8 if args.broadcast else 4).withColumn("k", F.col("id") % 1000)
    small = (
        spark.range(0, 1000, 1, 2).withColumnRenamed("id", "k2").withColumn("name", F.concat(F.lit("n"), F.col("k2")))
    )
    q = big.join(small, big.k == small.k2).groupBy("name").agg(F.count("*").alias("c"), F.sum("id").alias("s"))
    if not args.broadcast:
        q = q.orderBy("name")

    running, done = [], threading.Event()

    def poll() -> None:
        while not done.wait(0.2):
            snap = json.load(urllib.request.urlopen(base + "?details=true&planDescription=false"))
            if any(x["status"] == "RUNNING" for x in snap):
                running.append(snap)

    t = threading.Thread(target=poll)
    t.start()
    q.collect()
    done.set()
    t.join()
    final = json.load(urllib.request.urlopen(base + "?details=true"))
    with open(args.out, "w") as f:
        json.dump({"sparkVersion": spark.version, "query": query, "running": running, "final": final}, f, indent=1)
    print(args.out, len(running), "running snapshots;", [(x["id"], x["status"], len(x["nodes"])) for x in final])


if __name__ == "__main__":
    main()
