// kafkajs against a running broker, run by KafkaJsClientIT: creates a topic with the admin client,
// starts a group of two consumers on it, produces gzip-compressed records to every partition once
// both consumers hold partitions, consumes them all, then asks the admin client for the group's
// committed offsets, the group's description, the list of groups and the topic's offsets.
// Everything it learns goes to standard output as one JSON object per line (the test asserts on
// them); kafkajs' own log goes to standard error. Exit code 0 once every step is done, 1 on an error.
// Usage: node kafkajs-client.mjs BOOTSTRAP TOPIC GROUP
import kafkajs from 'kafkajs';

const { Kafka, CompressionTypes, Partitioners, AssignerProtocol, logLevel } = kafkajs;
const [bootstrap, topic, groupId] = process.argv.slice(2);

const PARTITIONS = 4;
const SENDS = 4;
const RECORDS_PER_SEND = 60;
const STEP_TIMEOUT_MS = 40_000;
const POLL_MS = 100;

const print = (event, fields) => process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');
const text = (buffer) => (buffer == null ? null : buffer.toString('utf8'));
const headersOf = (headers) =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, text(value)]));

/** Waits until check() is true, checking every POLL_MS; throws naming what after STEP_TIMEOUT_MS. */
async function until(what, check) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`not within ${STEP_TIMEOUT_MS} ms: ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

const kafka = new Kafka({
  clientId: 'riverlog-kafkajs-test',
  brokers: [bootstrap],
  logLevel: logLevel.WARN,
  logCreator: () => ({ namespace, label, log }) =>
    process.stderr.write(JSON.stringify({ level: label, namespace, ...log }) + '\n'),
});

const admin = kafka.admin();
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
const consumers = ['consumer-1', 'consumer-2'].map((name) => ({
  name,
  // A consumer heartbeats between fetches: short waits at the tail let it see a rebalance soon.
  consumer: kafka.consumer({ groupId, heartbeatInterval: 500, sessionTimeout: 10_000, maxWaitTimeInMs: 500 }),
  assignment: [],
}));
let consumed = 0;

async function main() {
  await admin.connect();
  const created = await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  const createdAgain = await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
  print('createTopics', { topic, created, createdAgain, listed: (await admin.listTopics()).includes(topic) });

  // Both join at once (run() returns once its consumer joined), so the broker's first rebalance takes both.
  await Promise.all(consumers.map(async (member) => {
    const { consumer, name } = member;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      member.assignment = [...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
      print('joined', { consumer: name, memberId: payload.memberId, assignment: member.assignment });
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        consumed++;
        print('consumed', {
          consumer: name, partition, offset: message.offset,
          key: text(message.key), value: text(message.value), headers: headersOf(message.headers),
        });
      },
    });
  }));
  // Produced only once both consumers hold partitions, so no rebalance happens while they consume.
  await until('both consumers hold partitions, all of them and none twice', () => {
    const held = consumers.flatMap((member) => member.assignment);
    return consumers.every((member) => member.assignment.length > 0)
      && held.length === PARTITIONS && new Set(held).size === PARTITIONS;
  });

  await producer.connect();
  let produced = 0;
  for (let send = 0; send < SENDS; send++) {
    const messages = [];
    for (let i = 0; i < RECORDS_PER_SEND; i++) {
      const n = send * RECORDS_PER_SEND + i;
      messages.push({
        partition: n % PARTITIONS,
        key: n % 10 === 9 ? null : `order-${n}`,
        value: `Bestellung ${n}: ${'grüne Äpfel, '.repeat(1 + (n % 5))}✓`,
        headers: { source: 'kafkajs', seq: String(n) },
      });
    }
    const answers = await producer.send({ topic, compression: CompressionTypes.GZIP, acks: -1, messages });
    const baseOffsets = new Map(answers.map((answer) => [answer.partition, BigInt(answer.baseOffset)]));
    const next = new Map();
    for (const message of messages) {
      const offset = baseOffsets.get(message.partition) + (next.get(message.partition) ?? 0n);
      next.set(message.partition, (next.get(message.partition) ?? 0n) + 1n);
      print('produced', {
        partition: message.partition, offset: offset.toString(),
        key: message.key, value: message.value, headers: message.headers,
      });
      produced++;
    }
  }
  await producer.disconnect();

  await until(`all ${produced} records consumed (${consumed} so far)`, () => consumed >= produced);
  const topicOffsets = await admin.fetchTopicOffsets(topic);
  print('fetchTopicOffsets', {
    partitions: topicOffsets.map(({ partition, low, high }) => ({ partition, low, high })),
  });
  const highs = new Map(topicOffsets.map(({ partition, high }) => [partition, high]));
  await until('the group committed every partition up to its high watermark', async () => {
    const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return partitions.length === PARTITIONS
      && partitions.every(({ partition, offset }) => offset === highs.get(partition));
  });

  const { groups: [stable] } = await admin.describeGroups([groupId]);
  print('describeGroups', {
    groupId: stable.groupId, state: stable.state, protocolType: stable.protocolType, protocol: stable.protocol,
    members: stable.members.map((member) => ({
      memberId: member.memberId, clientId: member.clientId,
      assignment: [...(AssignerProtocol.MemberAssignment.decode(member.memberAssignment).assignment[topic] ?? [])]
        .sort((a, b) => a - b),
    })),
  });
  const { groups } = await admin.listGroups();
  print('listGroups', { groups });

  for (const { consumer } of consumers) {
    await consumer.disconnect();
  }
  let left;
  await until('the group is empty once both consumers left', async () => {
    ({ groups: [left] } = await admin.describeGroups([groupId]));
    return left.state === 'Empty';
  });
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  print('fetchOffsets', {
    state: left.state, members: left.members.length,
    partitions: offsets.partitions.map(({ partition, offset }) => ({ partition, offset })),
  });
  await admin.disconnect();
  print('done', { produced, consumed });
}

try {
  await main();
  process.exit(0);
} catch (error) {
  print('error', { message: String(error?.stack ?? error) });
  process.exit(1);
}
