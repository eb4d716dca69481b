package io.riverlog.actors.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.apache.kafka.common.internals.Topic;
import org.junit.jupiter.api.Test;

class TopicNamesTest {
    /** Characters legal in a topic name, and a few that are not. */
    private static final String ALPHABET = "aZ09._-" + " /:*\u00e9\t\\";
    private static final int MAX_RANDOM_LENGTH = 6;
    private static final int RANDOM_NAMES = 2000;

    @Test
    void eachRuleIsExplained() {
        assertThat(TopicNames.problemWith("")).hasValueSatisfying(problem -> assertThat(problem).contains("empty"));
        assertThat(TopicNames.problemWith(".")).hasValueSatisfying(problem -> assertThat(problem).contains("'.'"));
        assertThat(TopicNames.problemWith("..")).hasValueSatisfying(problem -> assertThat(problem).contains("'..'"));
        assertThat(TopicNames.problemWith("x".repeat(TopicNames.MAX_LENGTH + 1)))
                .hasValueSatisfying(problem -> assertThat(problem).contains("250", "249"));
        assertThat(TopicNames.problemWith("a b"))
                .hasValueSatisfying(problem -> assertThat(problem).contains("index 1"));
        assertThat(TopicNames.problemWith("x".repeat(TopicNames.MAX_LENGTH))).isEmpty();
    }

    @Test
    void validityAgreesWithKafkasOwnCheckOnEdgeCasesAndRandomNames() {
        List<String> names = new ArrayList<>(List.of("", ".", "..", "...", "-", "_", "a.b", "a_b",
                "x".repeat(TopicNames.MAX_LENGTH), "x".repeat(TopicNames.MAX_LENGTH + 1)));
        Random random = new Random(249);
        for (int i = 0; i < RANDOM_NAMES; i++) {
            StringBuilder name = new StringBuilder();
            int length = random.nextInt(MAX_RANDOM_LENGTH + 1);
            for (int c = 0; c < length; c++) {
                name.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            names.add(name.toString());
        }
        for (String name : names) {
            assertThat(TopicNames.problemWith(name).isEmpty()).as("'%s' is valid", name).isEqualTo(Topic.isValid(name));
        }
    }

    @Test
    void namesCollideWhenTheyDifferOnlyByDotAndUnderscoreAsInKafka() {
        assertThat(TopicNames.collide("a.b", "a_b")).isTrue().isEqualTo(Topic.hasCollision("a.b", "a_b"));
        assertThat(TopicNames.collide("a.b", "a.b")).isFalse();
        assertThat(TopicNames.collide("a.b", "a-b")).isFalse().isEqualTo(Topic.hasCollision("a.b", "a-b"));
    }
}
